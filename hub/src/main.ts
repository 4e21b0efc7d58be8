#!/usr/bin/env node
/** The hub's command line. Each command lives in cli/<name>.ts; this file only wires them. */
import { Command } from 'commander';
import { registerServe } from './cli/serve.js';
import { registerAdmin } from './cli/admin.js';
import { registerIngest } from './cli/ingest.js';

const program = new Command()
  .name('hub')
  .description('monsys hub: OAuth 2.1 authorization server, REST API and remote MCP endpoint for Claude')
  .option('--database-url <url>', 'PostgreSQL URL (default: env DATABASE_URL; without it, the embedded database)')
  .option('--data-dir <path>', 'folder of the embedded database (default: env DATA_DIR or .data/pglite)')
  .showHelpAfterError();

registerServe(program);
registerAdmin(program);
registerIngest(program);

program.parseAsync().catch((err: unknown) => {
  const e = err as Error;
  process.stderr.write(`hub: ${e.name === 'AdminError' || e.name === 'ConfigError' || e.name === 'DataDirLockedError' ? e.message : (e.stack ?? String(e))}\n`);
  process.exit(1);
});
