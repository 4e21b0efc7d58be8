#!/usr/bin/env node
/** Entry point: parse the command line, run the command, turn known failures into one clear line. */
// First: it configures zod before the SDK builds its schemas.
import './zod-jitless.js';
import { buildProgram } from './cli/program.js';
import { BridgeError } from './errors.js';
import { closeDispatcher } from './http.js';

const SERVE = process.argv[2] === 'serve';

buildProgram()
  .parseAsync(process.argv)
  .then(async () => {
    if (!SERVE) await closeDispatcher();
  })
  .catch(async (err: unknown) => {
    await closeDispatcher();
    if (err instanceof BridgeError) process.stderr.write(`monsys-bridge: ${err.message}\n`);
    else process.stderr.write(`monsys-bridge: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = err instanceof BridgeError && err.code === 'invalid_option' ? 2 : 1;
  });
