/** `serve`: the stdio MCP server that Claude Desktop starts. Stdout is JSON-RPC only. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Command, Option } from 'commander';
import { saveCodeCache } from '../code-cache.js';
import { limitHeapGrowth } from '../heap.js';
import { debug, info } from '../log.js';
import { createBridgeServer } from '../server.js';
import { Session } from '../session.js';
import { LineLimit, MAX_LINE_BYTES } from '../stdin-lines.js';
import { runLogin } from './login.js';
import { addCommonOptions, positiveInt, resolveContext, type CommonOptions, type Context } from './options.js';

/** With --auto-login, an expired sign-in opens the browser (once at a time) instead of only explaining. */
function autoLogin(ctx: Context): () => string | undefined {
  let running: Promise<unknown> | undefined;
  return () => {
    if (!running) {
      running = runLogin(ctx, { timeout: 300 })
        .catch((err: unknown) => info(`Background sign-in failed: ${(err as Error).message}`))
        .finally(() => (running = undefined));
    }
    return 'A browser window has been opened to sign in again; retry this request once you have signed in.';
  };
}

export function serveCommand(): Command {
  const cmd = new Command('serve')
    .summary('run the MCP server for Claude Desktop (stdio)')
    .description('Runs the MCP server that Claude Desktop starts: lists the monsys tools and forwards each call to the hub. Speaks JSON-RPC on stdin/stdout; logs go to stderr.');
  addCommonOptions(cmd)
    .addOption(new Option('--timeout <seconds>', 'time limit for one call to the hub').default(15).argParser(positiveInt('--timeout')))
    .option('--auto-login', 'when the sign-in has expired, open the browser to sign in again')
    .action(async (o: CommonOptions & { timeout: number; autoLogin?: boolean }) => {
      const ctx = resolveContext(o);
      const session = new Session(ctx.hub, ctx.profile, ctx.store, ctx.fileStore, undefined, ctx.tenant);
      const server = createBridgeServer(session, {
        timeoutMs: o.timeout * 1000,
        onReauthNeeded: o.autoLogin ? autoLogin(ctx) : undefined,
      });
      // Whole lines of bounded size: an oversized message is dropped instead of closing the transport.
      const lines = process.stdin.pipe(new LineLimit(MAX_LINE_BYTES, () => info(`Ignored a message from the client longer than ${MAX_LINE_BYTES / 2 ** 20} MiB.`)));
      const transport = new StdioServerTransport(lines);
      // After the answer to `initialize`, not before: the first start of a new bundle writes its code cache
      // (a few milliseconds, once; synchronously, so that a client that disconnects at once still gets one),
      // then the heap setting, which must not change V8's flags before that.
      server.oninitialized = () => {
        saveCodeCache();
        limitHeapGrowth();
      };
      await server.connect(transport);
      debug(`serving ${ctx.hub} profile ${ctx.profile} over stdio`);
      // Claude Desktop closes stdin to stop us.
      process.stdin.on('end', () => void server.close().finally(() => process.exit(0)));
    });
  return cmd;
}
