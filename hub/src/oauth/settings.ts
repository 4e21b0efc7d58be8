/**
 * /settings/mcp-tokens (the page the product promised): the signed-in user's live tokens with
 * client, tenant, scopes, created, last used and expiry, each with a revoke button. Revoking
 * a token ends its whole grant (its refresh tokens too). Also the hub's plain /login page.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import type { Db } from '../db/types.js';
import { revokeGrant } from './adapter.js';
import { loginPage, pageHeaders, SECOND_FACTOR_FAILED, secondFactorPage, tokensPage } from './pages.js';
import { checkSecondFactor, totpEnabled } from '../auth/totp.js';
import { admit } from '../http/rate-limit.js';
import { LOGIN_FAILED, checkPassword, clientIp, csrfToken, csrfValid, currentWebUser, loginLimits, proveSecondFactor, requestCookies, sameOrigin, startWebSession } from './web.js';

export const SETTINGS_PATH = '/settings/mcp-tokens';
export const SECOND_FACTOR_PATH = '/login/second-factor';

export interface SettingsDeps {
  db: Db;
  issuer: string;
  csrfKey: Buffer;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Only local paths, so /login cannot be used as an open redirect. */
function localPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : SETTINGS_PATH;
}

export function settingsRouter(d: SettingsDeps): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const secure = d.issuer.startsWith('https:');
  // The login form is bound to no session yet: its CSRF token is bound to a pre-login cookie.
  const loginBinding = (req: express.Request) => {
    const value = requestCookies(req).monsys_login ?? '';
    return /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : '';
  };

  const showLogin = (req: express.Request, res: express.Response, status: number, error?: string, email?: string) => {
    let binding = loginBinding(req);
    if (!binding) {
      binding = randomBytes(16).toString('base64url');
      res.cookie('monsys_login', binding, { httpOnly: true, sameSite: 'lax', secure, path: '/login', maxAge: 3600_000 });
    }
    const next = localPath(req.query.next ?? req.body?.next);
    res
      .status(status)
      .set(pageHeaders())
      .type('html')
      .send(loginPage({ action: `/login?next=${encodeURIComponent(next)}`, csrf: csrfToken(d.csrfKey, 'login', binding), email, error, purpose: 'Sign in to manage your Claude connector tokens.' }));
  };

  router.get('/login', (req, res) => showLogin(req, res, 200));

  router.post('/login', form, async (req, res, next) => {
    try {
      const email = String(req.body?.email ?? '');
      const binding = loginBinding(req);
      if (!binding || !sameOrigin(req, d.issuer) || !csrfValid(d.csrfKey, 'login', binding, req.body?.csrf)) {
        return showLogin(req, res, 403, 'The form was not sent from this page. Reload it and try again.', email);
      }
      const attempt = await admit(d.db, loginLimits(clientIp(req), email));
      const wait = attempt.retryAfter;
      if (wait) {
        res.set('Retry-After', String(wait));
        return showLogin(req, res, 429, `Too many sign-in attempts. Try again in ${Math.ceil(wait / 60)} minutes.`, email);
      }
      const user = await checkPassword(d.db, email, String(req.body?.password ?? ''));
      if (!user) {
        return showLogin(req, res, 401, LOGIN_FAILED, email);
      }
      await attempt.release();
      const twoFactor = await totpEnabled(d.db, user.id);
      await startWebSession(d.db, res, user.id, secure, twoFactor);
      if (twoFactor) return res.redirect(303, `${SECOND_FACTOR_PATH}?next=${encodeURIComponent(localPath(req.query.next))}`);
      res.redirect(303, localPath(req.query.next));
    } catch (err) {
      next(err);
    }
  });

  const showSecondFactor = (res: express.Response, req: express.Request, sessionHash: string, status: number, error?: string) =>
    res
      .status(status)
      .set(pageHeaders())
      .type('html')
      .send(secondFactorPage({ action: `${SECOND_FACTOR_PATH}?next=${encodeURIComponent(localPath(req.query.next))}`, csrf: csrfToken(d.csrfKey, 'second-factor', sessionHash), error, purpose: 'Your account has two-factor sign-in.' }));

  router.get(SECOND_FACTOR_PATH, async (req, res) => {
    const pending = await currentWebUser(d.db, req, { pending: true });
    if (!pending) return res.redirect(303, `/login?next=${encodeURIComponent(localPath(req.query.next))}`);
    showSecondFactor(res, req, pending.sessionHash, 200);
  });

  router.post(SECOND_FACTOR_PATH, form, async (req, res) => {
    const pending = await currentWebUser(d.db, req, { pending: true });
    if (!pending) return res.redirect(303, `/login?next=${encodeURIComponent(localPath(req.query.next))}`);
    if (!sameOrigin(req, d.issuer) || !csrfValid(d.csrfKey, 'second-factor', pending.sessionHash, req.body?.csrf)) {
      return showSecondFactor(res, req, pending.sessionHash, 403, 'The form was not sent from this page. Reload it and try again.');
    }
    if (!(await checkSecondFactor(d.db, pending.userId, String(req.body?.code ?? '')))) return showSecondFactor(res, req, pending.sessionHash, 401, SECOND_FACTOR_FAILED);
    await proveSecondFactor(d.db, pending.sessionHash);
    res.redirect(303, localPath(req.query.next));
  });

  router.get(SETTINGS_PATH, async (req, res, next) => {
    try {
      const user = await currentWebUser(d.db, req);
      if (!user) return res.redirect(303, `/login?next=${encodeURIComponent(SETTINGS_PATH)}`);
      const r = await d.db.query<{
        id: string; client_id: string | null; client_name: string | null; tenant: string; scopes: string[];
        created_at: Date; last_used_at: Date | null; expires_at: Date;
      }>(
        `SELECT t.id, t.client_id, c.client_name, tn.name AS tenant, t.scopes, t.created_at, t.last_used_at, t.expires_at
           FROM mcp_access_tokens t
           JOIN tenants tn ON tn.id = t.tenant_id
           LEFT JOIN oauth_clients c ON c.client_id = t.client_id
          WHERE t.user_id = $1 AND t.revoked_at IS NULL AND t.expires_at > now()
          ORDER BY t.created_at DESC`,
        [user.userId],
      );
      res
        .set(pageHeaders())
        .type('html')
        .send(
          tokensPage({
            email: user.email,
            csrf: csrfToken(d.csrfKey, 'settings', user.sessionHash),
            notice: req.query.revoked === '1' ? 'The token was revoked.' : undefined,
            tokens: r.rows.map((t) => ({
              id: t.id,
              client: t.client_name ?? t.client_id ?? 'issued by an administrator (hub token issue)',
              tenant: t.tenant,
              scopes: t.scopes,
              createdAt: t.created_at,
              lastUsedAt: t.last_used_at,
              expiresAt: t.expires_at,
            })),
          }),
        );
    } catch (err) {
      next(err);
    }
  });

  router.post(`${SETTINGS_PATH}/:id/revoke`, form, async (req, res, next) => {
    try {
      const user = await currentWebUser(d.db, req);
      if (!user) return res.redirect(303, `/login?next=${encodeURIComponent(SETTINGS_PATH)}`);
      if (!sameOrigin(req, d.issuer) || !csrfValid(d.csrfKey, 'settings', user.sessionHash, req.body?.csrf)) {
        return void res.status(403).set(pageHeaders()).type('text').send('The form was not sent from the token page. Reload it and try again.');
      }
      const id = String(req.params.id);
      if (!UUID.test(id)) return void res.status(404).set(pageHeaders()).type('text').send('No such token.');
      // Scoped to the signed-in user: another user's token id is simply not found.
      const r = await d.db.query<{ grant_id: string | null }>(
        'UPDATE mcp_access_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING grant_id',
        [id, user.userId],
      );
      if (!r.rows[0]) return void res.status(404).set(pageHeaders()).type('text').send('No such token.');
      if (r.rows[0].grant_id) await revokeGrant(d.db, r.rows[0].grant_id);
      res.redirect(303, `${SETTINGS_PATH}?revoked=1`);
    } catch (err) {
      next(err);
    }
  });

  return router;
}
