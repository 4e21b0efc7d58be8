/**
 * OAuth 2.1 authorization server, mounted by app.ts before the REST API:
 * discovery (metadata.ts), registration (register.ts + provider), authorize with the login and
 * consent pages (authorize.ts), token and revocation (provider), /settings/mcp-tokens (settings.ts).
 * See docs/adr/0002-oauth-server.md.
 */
import { randomBytes } from 'node:crypto';
import type express from 'express';
import type { HubDeps } from '../deps.js';
import type { Queryable } from '../db/types.js';
import { sweepExpired } from './adapter.js';
import { interactionRouter } from './authorize.js';
import { metadataDocumentLoader } from './cimd.js';
import { mountMetadata } from './metadata.js';
import { createProvider, OAUTH_PATHS } from './provider.js';
import { echoRegisteredScope, registrationGuard } from './register.js';
import { settingsRouter } from './settings.js';
import { consoleRouter } from '../console/index.js';
import { ALL_SCOPES } from '../../../shared/index.js';

/** The cookie-signing / CSRF key: made once, shared by every hub instance on the database. */
async function sharedSecret(db: Queryable, name: string): Promise<Buffer> {
  await db.query('INSERT INTO oauth_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, randomBytes(32).toString('base64url')]);
  const r = await db.query<{ value: string }>('SELECT value FROM oauth_secrets WHERE name = $1', [name]);
  return Buffer.from(r.rows[0]!.value, 'base64url');
}

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export async function mountOAuth(app: express.Express, deps: HubDeps): Promise<{ close(): Promise<void> }> {
  const { db, config, logger } = deps;
  const issuer = config.publicUrl;
  const key = await sharedSecret(db, 'cookie_key');
  const provider = createProvider({
    issuer,
    db,
    cookieKeys: [key.toString('base64url')],
    trustProxy: config.trustProxy,
    loadMetadataDocument: metadataDocumentLoader({
      db,
      onError: (clientId, err) => logger.warn({ clientId, reason: (err as Error)?.message }, 'client metadata document refused'),
    }),
  });
  provider.use(echoRegisteredScope);
  provider.on('server_error', (_ctx, err) => logger.error({ err: { name: err.name, message: err.message, stack: err.stack } }, 'oauth server error'));

  mountMetadata(app, issuer);
  app.use(interactionRouter({ provider, db, issuer, csrfKey: key, logger }));
  app.use(settingsRouter({ db, issuer, csrfKey: key }));
  app.use(consoleRouter({ db, issuer, csrfKey: key }));
  app.post(OAUTH_PATHS.registration, ...registrationGuard(db));
  // Without a scope parameter the request is for every scope (then limited by role on consent).
  app.get(OAUTH_PATHS.authorization, (req, _res, next) => {
    const url = new URL(req.url, issuer);
    if (!url.searchParams.has('scope') && !url.searchParams.has('request_uri')) {
      url.searchParams.set('scope', ALL_SCOPES.join(' '));
      req.url = url.pathname + url.search;
    }
    next();
  });
  const callback = provider.callback();
  app.use((req, res, next) => {
    if (!req.path.startsWith('/mcp/oauth/')) return next();
    // A fixed set of metric labels: known endpoints, everything else as one.
    res.locals.route = (Object.values(OAUTH_PATHS) as string[]).includes(req.path) ? req.path : '/mcp/oauth/*';
    callback(req, res);
  });

  const sweeper = setInterval(() => {
    sweepExpired(db).catch((err: Error) => logger.warn({ reason: err.message }, 'oauth sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  return {
    async close() {
      clearInterval(sweeper);
    },
  };
}
