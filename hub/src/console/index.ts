/**
 * The connector console under /console: a tenant's decisions about the connector (opt-in,
 * sovereignty), its tokens, its calls, the acknowledgements the model made and their reversal, and
 * the enrollment tokens of its agents. Signed in with the hub account (the session of the OAuth
 * pages); every page is for one tenant the user is a member of, and shows what the role allows.
 * Forms carry a CSRF token bound to the session and are checked for the hub's Origin.
 */
import express from 'express';
import type { Db } from '../db/types.js';
import { ToolError } from '../errors.js';
import { issueEnrollmentToken, listEnrollmentTokens } from '../ingest/tokens.js';
import { revokeGrant } from '../oauth/adapter.js';
import { pageHeaders } from '../oauth/pages.js';
import { csrfToken, csrfValid, currentWebUser, proveSecondFactor, sameOrigin, WEB_SESSION_COOKIE, type WebUser } from '../oauth/web.js';
import { unacknowledgeDetection } from '../services/detections.js';
import { STYLESHEET, STYLESHEET_ETAG, STYLESHEET_PATH } from '../web/style.js';
import { writeDecision } from '../admin/accounts.js';
import { consolePrincipal, isAdmin, membershipsOf, revokeTokens, type Membership } from './data.js';
import { renderTab, type SecurityShown } from './pages.js';
import { checkSecondFactor, confirmEnrolment, disableTotp, FRESH_SECOND_FACTOR_SECONDS, startEnrolment, totpEnabled } from '../auth/totp.js';
import { TABS, notFoundPage, type Frame, type Tab } from './views.js';

export interface ConsoleDeps {
  db: Db;
  issuer: string;
  csrfKey: Buffer;
}

/** What a finished action says after its redirect (?done=code). */
const NOTICES: Record<string, string> = {
  'connector-on': 'The Claude connector is now on for this tenant.',
  'connector-off': 'The Claude connector is now off for this tenant: authorization and every existing token are refused.',
  'sovereignty-on': 'Sovereignty mode is now on: identifiers reach the model as pseudonyms.',
  'sovereignty-off': 'Sovereignty mode is now off: identifiers reach the model as they are.',
  revoked: 'Revoked: the client must be authorized again.',
  'none-revoked': 'No live token matched.',
  reopened: 'The detection is open again (audited as detection_unacknowledged).',
  'already-open': 'The detection was already open.',
  'enrollment-revoked': 'The enrollment token was revoked.',
  'totp-off': 'Two-factor sign-in is off.',
  'totp-required': 'Every member now needs two-factor sign-in to use the console.',
  'totp-not-required': 'Two-factor sign-in is no longer required of members.',
};

/** An action's outcome: the tab to return to and a NOTICES code, or a page shown at once (a secret shown once). */
type Outcome = { tab: Tab; done: keyof typeof NOTICES } | { tab: Tab; show?: string; shown?: SecurityShown };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isTab = (v: string): v is Tab => TABS.some(([id]) => id === v);

interface Visit {
  user: WebUser;
  tenant: Membership;
  tenants: Membership[];
  /** The tenant requires two-factor sign-in and this user has not set it up: only the Security tab. */
  blocked: boolean;
}

const BLOCKED = 'This tenant requires two-factor sign-in. Set it up here to use the console.';

export function consoleRouter(d: ConsoleDeps): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const send = (res: express.Response, status: number, html: string) => void res.status(status).set(pageHeaders()).type('html').send(html);
  const frame = (v: Visit, tab: Tab, req: express.Request): Frame => ({
    email: v.user.email,
    tenants: v.tenants,
    current: v.tenant,
    tab,
    csrf: csrfToken(d.csrfKey, 'console', v.user.sessionHash),
    // A code, not text: a crafted link cannot make the console say something of its own.
    notice: typeof req.query.done === 'string' && Object.hasOwn(NOTICES, req.query.done) ? NOTICES[req.query.done] : undefined,
  });

  router.get(STYLESHEET_PATH, (req, res) => {
    res.set({ 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600', ETag: STYLESHEET_ETAG, 'X-Content-Type-Options': 'nosniff' });
    if (req.get('if-none-match') === STYLESHEET_ETAG) return void res.status(304).end();
    res.send(STYLESHEET);
  });

  /** The signed-in user and the tenant of the URL, which must be one of theirs (else the same 404 as an unknown slug). */
  async function visit(req: express.Request, res: express.Response): Promise<Visit | undefined> {
    const user = await currentWebUser(d.db, req);
    if (!user) return void res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl.split('?')[0]!)}`);
    const tenants = await membershipsOf(d.db, user.userId);
    const tenant = tenants.find((t) => t.slug === req.params.slug);
    if (!tenant) return void send(res, 404, notFoundPage());
    return { user, tenant, tenants, blocked: tenant.requireTotp && !(await totpEnabled(d.db, user.userId)) };
  }

  /**
   * A sensitive action needs a fresh second factor: a code in the form, or one proved by this session
   * in the last minutes. Without two-factor sign-in set up, the action is refused.
   */
  async function freshFactor(v: Visit, req: express.Request): Promise<void> {
    if (!(await totpEnabled(d.db, v.user.userId))) throw refuse('This action needs two-factor sign-in: set it up in the Security tab first.');
    const proved = v.user.secondFactorAt && Date.now() - v.user.secondFactorAt.getTime() < FRESH_SECOND_FACTOR_SECONDS * 1000;
    if (proved) return;
    if (!(await checkSecondFactor(d.db, v.user.userId, String(req.body?.code ?? '')))) throw refuse('This action needs a fresh code from your authenticator app.');
    await proveSecondFactor(d.db, v.user.sessionHash);
  }

  router.get('/console', async (req, res) => {
    const user = await currentWebUser(d.db, req);
    if (!user) return res.redirect(303, '/login?next=/console');
    const tenants = await membershipsOf(d.db, user.userId);
    const chosen = tenants.find((t) => t.slug === req.query.tenant) ?? tenants[0];
    if (!chosen) return send(res, 200, notFoundPage());
    res.redirect(303, `/console/${encodeURIComponent(chosen.slug)}/connector`);
  });

  router.get('/console/:slug/:tab', async (req, res) => {
    const tab = String(req.params.tab);
    if (!isTab(tab)) return send(res, 404, notFoundPage());
    const v = await visit(req, res);
    if (!v) return;
    if (v.blocked && tab !== 'security') return send(res, 403, await renderTab(d.db, { ...frame(v, 'security', req), error: BLOCKED }, v, {}));
    send(res, 200, await renderTab(d.db, frame(v, tab, req), v, req.query));
  });

  /** A console form: signed in, member of the tenant, sent from the console (Origin and CSRF). */
  const post = (path: string, handle: (v: Visit, req: express.Request) => Promise<Outcome>) =>
    router.post(path, form, async (req, res) => {
      const v = await visit(req, res);
      if (!v) return;
      if (v.blocked && !path.includes('/security/')) return send(res, 403, await renderTab(d.db, { ...frame(v, 'security', req), error: BLOCKED }, v, {}));
      if (!sameOrigin(req, d.issuer) || !csrfValid(d.csrfKey, 'console', v.user.sessionHash, req.body?.csrf)) {
        return send(res, 403, notFoundPage().replace('Page not found', 'The form was not sent from the console'));
      }
      try {
        const out = await handle(v, req);
        if (!('done' in out)) return send(res, 200, await renderTab(d.db, { ...frame(v, out.tab, req), notice: out.show }, v, {}, out.shown));
        res.redirect(303, `/console/${encodeURIComponent(v.tenant.slug)}/${out.tab}?done=${out.done}`);
      } catch (err) {
        if (!(err instanceof ToolError)) throw err;
        const tab = String(req.path.split('/')[3] ?? 'connector') as Tab;
        send(res, err.status, await renderTab(d.db, { ...frame(v, isTab(tab) ? tab : 'connector', req), notice: undefined, error: err.message }, v, {}));
      }
    });

  const refuse = (message: string) => new ToolError('forbidden', message);

  post('/console/:slug/connector', async (v, req) => {
    if (!isAdmin(v.tenant)) throw refuse('Only a tenant admin can change the connector settings.');
    await freshFactor(v, req);
    const on = req.body?.value === 'on';
    const setting = req.body?.setting === 'pseudonymize' ? 'pseudonymize' : 'mcp_enabled';
    await d.db.transaction(async (tx) => {
      await tx.query(`UPDATE tenants SET ${setting === 'pseudonymize' ? 'pseudonymize' : 'mcp_enabled'} = $2 WHERE id = $1`, [v.tenant.id, on]);
      const event = `${setting === 'pseudonymize' ? 'sovereignty' : 'connector'}_${on ? 'enabled' : 'disabled'}`;
      await writeDecision(tx, v.tenant.id, v.user, event, { via: 'console' });
    });
    return { tab: 'connector', done: `${setting === 'pseudonymize' ? 'sovereignty' : 'connector'}-${on ? 'on' : 'off'}` };
  });

  post('/console/:slug/tokens/revoke', async (v, req) => {
    const id = String(req.body?.token ?? '');
    const user = String(req.body?.user ?? '');
    if (!UUID.test(id) && !UUID.test(user)) throw new ToolError('invalid_argument', 'Choose a token or a user to revoke.');
    if (UUID.test(user) && !isAdmin(v.tenant)) throw refuse('Only a tenant admin can revoke the tokens of a user.');
    // Revoking someone else's access is sensitive; one's own token is not.
    const own = UUID.test(id) && (await d.db.query('SELECT 1 FROM mcp_access_tokens WHERE id = $1 AND user_id = $2', [id, v.user.userId])).rows.length > 0;
    if (!own && isAdmin(v.tenant)) await freshFactor(v, req);
    // A member revokes only their own tokens: another user's token id is simply not found.
    const { revoked, grants } = await revokeTokens(d.db, v.tenant.id, {
      id: UUID.test(id) ? id : undefined,
      userId: UUID.test(user) ? user : undefined,
      onlyOf: isAdmin(v.tenant) ? undefined : v.user.userId,
    });
    for (const g of new Set(grants)) await revokeGrant(d.db, g);
    return { tab: 'tokens', done: revoked ? 'revoked' : 'none-revoked' };
  });

  post('/console/:slug/acknowledgements/reopen', async (v, req) => {
    const id = String(req.body?.detection ?? '');
    if (!UUID.test(id)) throw new ToolError('invalid_argument', 'No such detection.');
    const r = await unacknowledgeDetection({ db: d.db, principal: consolePrincipal(v.tenant, v.user) }, id);
    return { tab: 'acknowledgements', done: r.reopened ? 'reopened' : 'already-open' };
  });

  post('/console/:slug/agents/enroll', async (v, req) => {
    if (!isAdmin(v.tenant)) throw refuse('Only a tenant admin can issue enrollment tokens.');
    await freshFactor(v, req);
    const name = String(req.body?.name ?? '').trim();
    if (!/^[\w.-]{1,64}$/.test(name)) throw new ToolError('invalid_argument', 'The agent name must be 1–64 letters, digits, dots, dashes or underscores.');
    const t = await issueEnrollmentToken(d.db, v.tenant.id, name);
    await writeDecision(d.db, v.tenant.id, v.user, 'enrollment_token_issued', { name, token_id: t.id });
    // Shown on this answer only, never put in a URL.
    return { tab: 'agents', show: `Enrollment token for ${name} (shown once; give it to the agent): ${t.value}` };
  });

  post('/console/:slug/agents/revoke', async (v, req) => {
    if (!isAdmin(v.tenant)) throw refuse('Only a tenant admin can revoke enrollment tokens.');
    const id = String(req.body?.token ?? '');
    const known = (await listEnrollmentTokens(d.db, v.tenant.id)).some((t) => t.id === id);
    if (!UUID.test(id) || !known) throw new ToolError('not_found', 'No such enrollment token in this tenant.');
    await d.db.query('UPDATE enrollment_tokens SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL', [v.tenant.id, id]);
    await writeDecision(d.db, v.tenant.id, v.user, 'enrollment_token_revoked', { token_id: id });
    return { tab: 'agents', done: 'enrollment-revoked' };
  });

  post('/console/:slug/security/start', async (v) => {
    const enrolment = await startEnrolment(d.db, v.user, d.issuer);
    if (!enrolment) throw new ToolError('invalid_argument', 'Two-factor sign-in is on already.');
    return { tab: 'security', shown: { enrolment } };
  });

  post('/console/:slug/security/confirm', async (v, req) => {
    const codes = await confirmEnrolment(d.db, v.user.userId, String(req.body?.code ?? ''));
    if (!codes) throw new ToolError('invalid_argument', 'That code does not match: set up again and enter the code the app shows now.');
    await proveSecondFactor(d.db, v.user.sessionHash);
    await writeDecision(d.db, v.tenant.id, v.user, 'totp_enabled', {});
    return { tab: 'security', show: 'Two-factor sign-in is on.', shown: { recoveryCodes: codes } };
  });

  post('/console/:slug/security/disable', async (v, req) => {
    if (v.tenant.requireTotp) throw refuse('This tenant requires two-factor sign-in; it cannot be turned off here.');
    await freshFactor(v, req);
    await disableTotp(d.db, v.user.userId);
    await writeDecision(d.db, v.tenant.id, v.user, 'totp_disabled', {});
    return { tab: 'security', done: 'totp-off' };
  });

  post('/console/:slug/security/require', async (v, req) => {
    if (!isAdmin(v.tenant)) throw refuse('Only a tenant admin can require two-factor sign-in.');
    await freshFactor(v, req);
    const on = req.body?.value === 'on';
    await d.db.query('UPDATE tenants SET require_totp = $2 WHERE id = $1', [v.tenant.id, on]);
    await writeDecision(d.db, v.tenant.id, v.user, on ? 'totp_required' : 'totp_not_required', { via: 'console' });
    return { tab: 'security', done: on ? 'totp-required' : 'totp-not-required' };
  });

  router.post('/console/sign-out', form, async (req, res) => {
    const user = await currentWebUser(d.db, req);
    if (!user) return res.redirect(303, '/login?next=/console');
    if (!sameOrigin(req, d.issuer) || !csrfValid(d.csrfKey, 'console', user.sessionHash, req.body?.csrf)) return send(res, 403, notFoundPage());
    await d.db.query('DELETE FROM web_sessions WHERE id_sha256 = $1', [user.sessionHash]);
    res.clearCookie(WEB_SESSION_COOKIE, { path: '/' }).redirect(303, '/login?next=/console');
  });

  return router;
}
