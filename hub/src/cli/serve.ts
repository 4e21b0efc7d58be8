import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { startHub, type RunningHub } from '../server.js';
import { configFrom } from './options.js';
import { DEMO_ACCOUNTS, seedDemo } from '../seed/index.js';

function stopOnSignals(hub: RunningHub): void {
  const stop = (signal: string) => {
    hub.logger.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    hub.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the hub (migrates the database first)')
    .option('-p, --port <port>', 'port to listen on (env PORT, default 8787; 0 = any free port)')
    .option('--host <host>', 'address to bind (env HOST, default 127.0.0.1)')
    .action(async (opts: { port?: string; host?: string }, cmd: Command) => {
      const config = configFrom(cmd, {
        ...(opts.port !== undefined ? { port: Number(opts.port) } : {}),
        ...(opts.host ? { host: opts.host } : {}),
      });
      const hub = await startHub(config);
      stopOnSignals(hub);
      process.stdout.write(`monsys hub listening on ${hub.listenUrl}\n`);
      if (hub.url !== hub.listenUrl) process.stdout.write(`public URL (OAuth issuer): ${hub.url}\n`);
    });

  program
    .command('start')
    .description('the quick start: run the hub with demo data (seeded on first start) and print how to connect')
    .option('-p, --port <port>', 'port to listen on (env PORT, default 8787)')
    .action(async (opts: { port?: string }, cmd: Command) => {
      const config = configFrom(cmd, opts.port !== undefined ? { port: Number(opts.port) } : {});
      const hub = await startHub(config);
      stopOnSignals(hub);
      const { rows } = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tenants');
      if (rows[0]!.n === 0) {
        process.stdout.write('First start: generating demo data (a few seconds)…\n');
        const s = await seedDemo(hub.db, { log: (l) => process.stderr.write(`  ${l}\n`) });
        process.stdout.write(`Demo data: ${s.tenants} tenants, ${s.agents} hosts, ${s.alerts} alerts, ${s.detections} detections (${s.ms} ms)\n`);
      }
      const demo = DEMO_ACCOUNTS[0];
      // No live token on stdout: terminal scrollback and CI logs keep it. The line mints one when
      // it is run, through the admin socket, and the token goes straight into curl's header.
      const dataDirOption = config.databaseUrl ? '' : ` --data-dir ${shellQuote(config.dataDir)}`;
      const tokenLine = demo
        ? [
            `  Try the REST API (mints a 1-hour token for ${demo.email} in ${demo.tenants[0]} when you run it; the token is not printed):`,
            `    curl -H "Authorization: Bearer $(npm run -s hub --${dataDirOption} token issue --tenant ${demo.tenants[0]} --user ${demo.email})" ${hub.url}/v1/kpi-summary`,
          ].join('\n')
        : '';
      process.stdout.write(
        [
          '',
          `monsys hub listening on ${hub.url}`,
          `  Database: ${config.databaseUrl ? 'PostgreSQL' : `embedded (${config.dataDir})`}`,
          ...(demo ? [`  Demo sign-in: ${demo.email} / ${demo.password}  (tenants: ${demo.tenants.join(', ')})`] : []),
          `  Connector console (opt-in, tokens, calls, two-factor sign-in): ${hub.url}/console`,
          tokenLine,
          `  claude.ai: Settings → Connectors → Add custom connector → URL ${hub.url}  (claude.ai needs the hub on a public https URL: set PUBLIC_URL behind a TLS proxy)`,
          `  Claude Desktop: the same connector in Settings → Connectors, or the local bridge: ${bridgeInstallCommand(hub.url)}`,
          '  Stop with Ctrl-C.',
          '',
        ].join('\n'),
      );
    });
}

/** A path as one POSIX shell word. */
function shellQuote(s: string): string {
  return /^[\w./:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The bridge install command for this checkout, which is where the hub runs from: the bridge is not
 * fetched from a registry, it is built here (npm run bridge:build) and run by its path.
 */
export function bridgeInstallCommand(hubUrl: string): string {
  const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/[\\/]$/, '');
  const q = (p: string) => (/\s/.test(p) ? `"${p}"` : p);
  const built = existsSync(`${root}/bridge/dist/monsys-bridge.mjs`);
  return `${built ? '' : `(cd ${q(root)} && npm run bridge:build) && `}node ${q(`${root}/bridge/dist/monsys-bridge.mjs`)} install --hub ${hubUrl} --profile acme`;
}
