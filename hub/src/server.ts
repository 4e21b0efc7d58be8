/** Starts the hub: database, migrations, HTTP listener, graceful shutdown. */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createApp } from './app.js';
import type { HubConfig } from './config.js';
import { migrate, openDb, type Db } from './db/index.js';
import { createLogger, errorFields, type Logger } from './logger.js';
import { adminSocketPath, serveAdminSocket } from './db/admin-socket.js';
import { DatabaseUnavailableError } from './db/types.js';

export interface RunningHub {
  /** The public URL (the OAuth issuer, what clients use). */
  url: string;
  /** Where this process listens (behind a proxy, not the public URL). */
  listenUrl: string;
  port: number;
  db: Db;
  server: Server;
  logger: Logger;
  close(): Promise<void>;
}

export async function startHub(config: HubConfig, options: { db?: Db; logger?: Logger } = {}): Promise<RunningHub> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = options.db ?? (await openDb(config));
  await migrate(db);
  // Listen first: with PORT=0 the public URL (issuer, audiences) is only known once bound.
  const server = createServer();
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  if (config.port === 0 && /:0$/.test(config.publicUrl)) config.publicUrl = config.publicUrl.replace(/:0$/, `:${port}`);
  const { handler, close: closeApp } = await createApp({
    db,
    config,
    logger,
    onInternalError: (err, tool) => logger.error({ tool, err: errorFields(err) }, 'tool failed'),
    // An outage is logged once by the database layer; anything else losing a row is an error.
    onCallLogFailure: (err, tool) =>
      logger[err instanceof DatabaseUnavailableError ? 'warn' : 'error']({ tool, err: errorFields(err) }, 'call log row not written; the call was answered with an error'),
  });
  server.on('request', handler);
  // The embedded database is this process's alone: the CLI reaches it through a local socket.
  const adminSocket = !options.db && !config.databaseUrl ? await serveAdminSocket(db, adminSocketPath(config.dataDir)) : undefined;
  let closing: Promise<void> | undefined;
  return {
    url: config.publicUrl,
    listenUrl: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    db,
    server,
    logger,
    close() {
      // Stop accepting, let in-flight requests finish, then close the database.
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          // Keep-alive connections that finish their request after close() began become idle later:
          // keep closing idle ones until the server reports every connection gone.
          const sweep = setInterval(() => server.closeIdleConnections(), 50);
          server.close(() => {
            clearInterval(sweep);
            resolve();
          });
          server.closeIdleConnections();
        });
        await new Promise<void>((resolve) => (adminSocket ? adminSocket.close(() => resolve()) : resolve()));
        await closeApp();
        if (!options.db) await db.close();
        logger.flush?.();
      })();
      return closing;
    },
  };
}
