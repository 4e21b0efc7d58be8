/**
 * The pages behind GET /mcp/oauth/authorize: oidc-provider validates the request (client, exact
 * redirect URI, PKCE, scopes, resource) and sends the browser here for the interaction; these
 * routes sign the user in and ask for consent, then hand the result back to the provider.
 *
 * Every POST needs the CSRF token of its interaction and passes the Origin check; the
 * interaction itself is found through its cookie (provider.interactionDetails), and must be
 * the one named in the URL.
 */
import express from 'express';
import type Provider from 'oidc-provider';
import { randomUUID } from 'node:crypto';
import { ALL_SCOPES, CATALOGUE, DATA_KINDS, ROLES, SCOPES, roleAtLeast, type DataKind, type Role, type Scope } from '../../../shared/index.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import { isMetadataDocumentId } from './adapter.js';
import { consentPage, errorPage, loginPage, pageHeaders, scopeField, SECOND_FACTOR_FAILED, secondFactorPage, type ConsentTenant } from './pages.js';
import { checkSecondFactor, totpEnabled } from '../auth/totp.js';
import { hubResources, OAUTH_PATHS } from './provider.js';
import { admit } from '../http/rate-limit.js';
import { LOGIN_FAILED, checkPassword, clientIp, csrfToken, csrfValid, currentWebUser, loginLimits, proveSecondFactor, sameOrigin, startWebSession } from './web.js';

export interface InteractionDeps {
  provider: Provider;
  db: Db;
  issuer: string;
  csrfKey: Buffer;
  logger: Logger;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The weakest role that may use some tool needing this scope (from the catalogue). */
export function minRoleForScope(scope: Scope): Role {
  const roles = CATALOGUE.filter((t) => t.scope === scope).map((t) => ROLES.indexOf(t.minRole));
  return ROLES[Math.min(...roles)] ?? 'admin';
}

/**
 * A scope the user may leave out on the consent page: one that only write tools need. Reading is
 * what a connection is for; the one write is the user's choice (and can be added later by step-up).
 */
export function isOptionalScope(scope: Scope): boolean {
  return CATALOGUE.filter((t) => t.scope === scope).every((t) => !t.readOnly);
}

/** Requested scopes that a member with this role may be granted. */
export function grantableScopes(role: Role, requested: readonly string[]): Scope[] {
  return ALL_SCOPES.filter((s) => requested.includes(s) && roleAtLeast(role, minRoleForScope(s)));
}

/** What reaches the model through the tools these scopes open, from each tool's dataFlow tags. */
export function dataFlowFor(scopes: readonly string[]): string[] {
  const kinds = new Set<DataKind>(CATALOGUE.filter((t) => scopes.includes(t.scope)).flatMap((t) => t.dataFlow));
  return (Object.keys(DATA_KINDS) as DataKind[]).filter((k) => kinds.has(k)).map((k) => DATA_KINDS[k]);
}

const requestedScopes = (details: Details) => String(details.params.scope ?? '').split(' ').filter(Boolean);

function resourcesOf(details: Details, issuer: string): string[] {
  const r = details.params.resource;
  if (Array.isArray(r) && r.length) return r.map(String);
  return typeof r === 'string' && r ? [r] : [hubResources(issuer).default];
}

function send(res: express.Response, status: number, html: string, formActionOrigins: string[] = []): void {
  res.status(status).set(pageHeaders(formActionOrigins)).type('html').send(html);
}

function redirectOrigin(details: Details): string[] {
  try {
    return [new URL(String(details.params.redirect_uri)).origin];
  } catch {
    return [];
  }
}

async function tenantsOf(db: Db, userId: string, requested: string[]): Promise<ConsentTenant[]> {
  const r = await db.query<{ id: string; slug: string; name: string; mcp_enabled: boolean; role: Role }>(
    `SELECT t.id, t.slug, t.name, t.mcp_enabled, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id
      WHERE m.user_id = $1 ORDER BY t.name, t.slug`,
    [userId],
  );
  return r.rows.map((t) => ({ id: t.id, slug: t.slug, name: t.name, role: t.role, mcpEnabled: t.mcp_enabled, grantable: grantableScopes(t.role, requested) }));
}

export function interactionRouter(d: InteractionDeps): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const secure = d.issuer.startsWith('https:');
  const base = OAUTH_PATHS.interaction;

  /** The interaction of this browser (its cookie), which must be the one in the URL. */
  async function load(req: express.Request, res: express.Response): Promise<Details | undefined> {
    try {
      const details = await d.provider.interactionDetails(req, res);
      if (details.uid === req.params.uid) return details;
    } catch {
      // SessionNotFound: no cookie, expired, or opened in another browser.
    }
    send(res, 400, errorPage('invalid_request', 'This sign-in page has expired or was opened in another browser. Start the connection again from your client.'));
    return undefined;
  }

  async function renderConsent(res: express.Response, details: Details, status = 200, error?: string): Promise<void> {
    const accountId = String(details.session?.accountId ?? '');
    const requested = requestedScopes(details);
    const user = await d.db.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [accountId]);
    const clientId = String(details.params.client_id);
    const client = await d.provider.Client.find(clientId);
    const redirectHost = new URL(String(details.params.redirect_uri)).host;
    const scopes = ALL_SCOPES.filter((s) => requested.includes(s));
    send(
      res,
      status,
      consentPage({
        action: `${base}/${details.uid}/confirm`,
        csrf: csrfToken(d.csrfKey, 'consent', details.uid),
        clientName: client?.clientName ?? clientId,
        clientHost: isMetadataDocumentId(clientId) ? new URL(clientId).hostname : redirectHost,
        redirectHost,
        email: user.rows[0]?.email ?? '',
        tenants: await tenantsOf(d.db, accountId, requested),
        tenantHint: typeof details.params.tenant_hint === 'string' ? details.params.tenant_hint : undefined,
        scopes: scopes.map((s) => {
          const min = minRoleForScope(s);
          return { scope: s, text: SCOPES[s], note: min === 'viewer' ? undefined : `needs the ${min} role or higher in the tenant`, optional: isOptionalScope(s) };
        }),
        dataFlow: dataFlowFor(scopes),
        error,
      }),
      redirectOrigin(details),
    );
  }

  router.get(`${base}/:uid`, async (req, res, next) => {
    try {
      const details = await load(req, res);
      if (!details) return;
      if (details.prompt.name === 'login') {
        // Already signed in to the hub in this browser: no second password prompt.
        const web = await currentWebUser(d.db, req);
        if (web) return void (await d.provider.interactionFinished(req, res, { login: { accountId: web.userId } }, { mergeWithLastSubmission: false }));
        return send(
          res,
          200,
          loginPage({ action: `${base}/${details.uid}/login`, csrf: csrfToken(d.csrfKey, 'login', details.uid), purpose: 'Sign in to connect an application to monsys.' }),
          redirectOrigin(details),
        );
      }
      await renderConsent(res, details);
    } catch (err) {
      next(err);
    }
  });

  router.post(`${base}/:uid/login`, form, async (req, res, next) => {
    try {
      const details = await load(req, res);
      if (!details) return;
      const email = String(req.body?.email ?? '');
      const page = (status: number, error: string) =>
        send(res, status, loginPage({ action: `${base}/${details.uid}/login`, csrf: csrfToken(d.csrfKey, 'login', details.uid), email, error, purpose: 'Sign in to connect an application to monsys.' }), redirectOrigin(details));
      if (!sameOrigin(req, d.issuer) || !csrfValid(d.csrfKey, 'login', details.uid, req.body?.csrf)) return page(403, 'The form was not sent from this page. Reload it and try again.');
      const attempt = await admit(d.db, loginLimits(clientIp(req), email));
      const wait = attempt.retryAfter;
      if (wait) {
        res.set('Retry-After', String(wait));
        return page(429, `Too many sign-in attempts. Try again in ${Math.ceil(wait / 60)} minutes.`);
      }
      const user = await checkPassword(d.db, email, String(req.body?.password ?? ''));
      if (!user) {
        return page(401, LOGIN_FAILED);
      }
      await attempt.release();
      const twoFactor = await totpEnabled(d.db, user.id);
      await startWebSession(d.db, res, user.id, secure, twoFactor);
      if (twoFactor) return secondFactor(res, details, 200);
      await d.provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
    } catch (err) {
      next(err);
    }
  });

  // The second step for an account with two-factor sign-in: the session waits (pending) for its code.
  const secondFactor = (res: express.Response, details: Details, status: number, error?: string) =>
    send(res, status, secondFactorPage({ action: `${base}/${details.uid}/second-factor`, csrf: csrfToken(d.csrfKey, 'second-factor', details.uid), error, purpose: 'Your account has two-factor sign-in.' }), redirectOrigin(details));

  router.post(`${base}/:uid/second-factor`, form, async (req, res, next) => {
    try {
      const details = await load(req, res);
      if (!details) return;
      const pending = await currentWebUser(d.db, req, { pending: true });
      if (!pending) return send(res, 400, errorPage('invalid_request', 'Sign in first.'));
      if (!sameOrigin(req, d.issuer) || !csrfValid(d.csrfKey, 'second-factor', details.uid, req.body?.csrf)) return secondFactor(res, details, 403, 'The form was not sent from this page. Reload it and try again.');
      if (!(await checkSecondFactor(d.db, pending.userId, String(req.body?.code ?? '')))) return secondFactor(res, details, 401, SECOND_FACTOR_FAILED);
      await proveSecondFactor(d.db, pending.sessionHash);
      await d.provider.interactionFinished(req, res, { login: { accountId: pending.userId } }, { mergeWithLastSubmission: false });
    } catch (err) {
      next(err);
    }
  });

  router.post(`${base}/:uid/confirm`, form, async (req, res, next) => {
    try {
      const details = await load(req, res);
      if (!details) return;
      if (!sameOrigin(req, d.issuer) || !csrfValid(d.csrfKey, 'consent', details.uid, req.body?.csrf)) {
        return send(res, 403, errorPage('invalid_request', 'The form was not sent from the consent page. Start the connection again.'));
      }
      if (details.prompt.name !== 'consent' || !details.session?.accountId) {
        return send(res, 400, errorPage('invalid_request', 'Sign in first.'));
      }
      if (req.body?.action !== 'approve') {
        // RFC 6749 §4.1.2.1: the client gets access_denied (with state and iss).
        return void (await d.provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'The user denied the authorization request.' },
          { mergeWithLastSubmission: false },
        ));
      }
      const accountId = String(details.session.accountId);
      const requested = requestedScopes(details);
      const tenant = (await tenantsOf(d.db, accountId, requested)).find((t) => t.id === req.body?.tenant);
      if (!tenant) return renderConsent(res, details, 400, 'Choose the tenant this connection is for.');
      if (!tenant.mcpEnabled) return renderConsent(res, details, 403, `The Claude connector is not enabled for ${tenant.name}. No access was granted.`);
      if (!tenant.grantable.length) return renderConsent(res, details, 403, `Your role in ${tenant.name} (${tenant.role}) cannot be granted the requested access.`);
      // A tenant that requires two-factor sign-in of its members grants nothing to an account without it.
      const required = await d.db.query('SELECT 1 FROM tenants WHERE id = $1 AND require_totp', [tenant.id]);
      if (required.rows.length && !(await totpEnabled(d.db, accountId))) {
        return renderConsent(res, details, 403, `${tenant.name} requires two-factor sign-in of its members. Set it up in the connector console (/console, Security), then connect again. No access was granted.`);
      }

      const clientId = String(details.params.client_id);
      // An optional scope is granted only with its checkbox ticked (an unticked box is not sent).
      const granted = (tenant.grantable as Scope[]).filter((s) => !isOptionalScope(s) || req.body?.[scopeField(s)] === 'on');
      if (!granted.length) return renderConsent(res, details, 400, 'Choose at least one kind of access to grant, or deny the request.');
      const withheld = requested.filter((s) => (ALL_SCOPES as string[]).includes(s) && !(granted as string[]).includes(s));
      const grant = new d.provider.Grant({ accountId, clientId });
      const resources = resourcesOf(details, d.issuer);
      for (const r of resources) {
        grant.addResourceScope(r, granted.join(' '));
        // Scopes the role does not allow are recorded as refused, so the token is a subset.
        if (withheld.length) grant.rejectResourceScope(r, withheld.join(' '));
      }
      const grantId = await grant.save();
      // Bind the grant to the chosen tenant before any code exists: every token carries it.
      await d.db.query('UPDATE oauth_grants SET tenant_id = $1 WHERE id = $2', [tenant.id, grantId]);
      const client = await d.provider.Client.find(clientId);
      const actor = await d.db.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [accountId]);
      await d.db.query(
        `INSERT INTO audit_log (tenant_id, id, event_type, actor_user_id, actor_email, target_type, target_id, metadata)
         VALUES ($1, $2, 'mcp_authorization_granted', $3, $4, 'oauth_client', $5, $6)`,
        [tenant.id, randomUUID(), accountId, actor.rows[0]?.email ?? null, clientId, {
          client_id: clientId,
          client_name: client?.clientName ?? null,
          scopes: granted,
          tenant_id: tenant.id,
          tenant_slug: tenant.slug,
          resources,
          grant_id: grantId,
        }],
      );
      d.logger.info({ clientId, tenant: tenant.slug, scopes: granted }, 'mcp authorization granted');
      await d.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (err) {
      next(err);
    }
  });

  return router;
}
