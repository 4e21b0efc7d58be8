/** The console's five pages, each for one tenant and what the visitor's role may see and do there. */
import { CATALOGUE, DATA_KINDS, roleAtLeast } from '../../../shared/index.js';
import type { Db } from '../db/types.js';
import { totpEnabled } from '../auth/totp.js';
import { listEnrollmentTokens } from '../ingest/tokens.js';
import { esc } from '../oauth/pages.js';
import { acknowledged, agentsOf, auditRows, callsOf, DECISIONS, isAdmin, MODEL_DATA, PSEUDONYMISED, tokensOf, type Membership } from './data.js';
import { action, consolePage, table, when, type Frame } from './views.js';

interface Visit {
  user: { userId: string; email: string };
  tenant: Membership;
}

const STATUSES = ['ok', 'invalid_argument', 'insufficient_scope', 'forbidden', 'not_found', 'rate_limited', 'database_unavailable', 'internal_error'];

/** What a security action hands the page it renders at once (secrets shown once, never in a URL). */
export interface SecurityShown {
  enrolment?: { secret: string; qrSvg: string };
  recoveryCodes?: string[];
}

export async function renderTab(db: Db, f: Frame, v: Visit, query: Record<string, unknown>, shown: SecurityShown = {}): Promise<string> {
  const base = `/console/${encodeURIComponent(v.tenant.slug)}`;
  const admin = isAdmin(v.tenant);
  switch (f.tab) {
    case 'connector': {
      const t = v.tenant;
      const toggle = (setting: string, on: boolean, label: string) =>
        admin ? action(`${base}/connector`, f.csrf, label, { setting, value: on ? 'off' : 'on' }, on ? 'danger' : 'primary', `toggle-${setting}`, true) : '';
      const history = await auditRows(db, t.id, DECISIONS, null);
      return consolePage(f, 'Connector', `<section class="card" id="opt-in"><h2>Claude connector <span class="badge ${t.mcpEnabled ? 'on' : 'off'}">${t.mcpEnabled ? 'on' : 'off'}</span></h2>
<p>${t.mcpEnabled ? 'Members can connect Claude to this tenant. When a tool is called, its result goes to the model (to Anthropic, a US company). That can include:' : 'Nobody can connect Claude to this tenant; existing tokens are refused. Turned on, tool results would go to the model, including:'}</p>
<ul id="model-data">${MODEL_DATA.map((k) => `<li>${esc(DATA_KINDS[k])}</li>`).join('')}</ul>
${toggle('mcp_enabled', t.mcpEnabled, t.mcpEnabled ? 'Turn the connector off' : 'Turn the connector on')}</section>
<section class="card" id="sovereignty"><h2>Sovereignty mode <span class="badge ${t.pseudonymize ? 'on' : 'off'}">${t.pseudonymize ? 'on' : 'off'}</span></h2>
<p>${t.pseudonymize ? 'These reach the model only as stable pseudonyms, resolved back inside the hub:' : 'Turned on, these would reach the model only as stable pseudonyms, resolved back inside the hub:'}</p>
<ul>${PSEUDONYMISED.map((k) => `<li>${esc(DATA_KINDS[k])}</li>`).join('')}</ul>
${toggle('pseudonymize', t.pseudonymize, t.pseudonymize ? 'Turn sovereignty mode off' : 'Turn sovereignty mode on')}</section>
${admin ? '' : '<p class="note" id="admin-only">Only a tenant admin can change these settings.</p>'}
<section class="card"><h2>Who decided</h2>${table('decisions', ['When', 'Decision', 'By'], history.map((h) => [when(h.occurred_at), esc(h.event_type), esc(h.actor_email ?? 'hub CLI')]), 'No change recorded yet.')}</section>`);
    }
    case 'tokens': {
      const rows = await tokensOf(db, v.tenant.id, admin ? null : v.user.userId);
      const users = [...new Map(rows.filter((r) => r.user_id !== v.user.userId).map((r) => [r.user_id, r.email])).entries()];
      return consolePage(f, 'Tokens', `<section class="card"><p>${admin ? 'Every live token of this tenant.' : 'Your live tokens for this tenant.'} Revoking a token ends its connection: the client cannot refresh it and must be authorized again.</p>
${table('tokens', ['User', 'Client', 'Scopes', 'Created', 'Last used', 'Expires', ''], rows.map((r) => [esc(r.email), esc(r.client ?? 'hub token issue'), `<code>${esc(r.scopes.join(' '))}</code>`, when(r.created_at), when(r.last_used_at), when(r.expires_at), action(`${base}/tokens/revoke`, f.csrf, 'Revoke', { token: r.id }, 'danger', '', r.user_id !== v.user.userId)]), 'No live tokens.')}</section>
${admin && users.length ? `<section class="card" id="revoke-user"><h2>Revoke every token of a user</h2>${users.map(([id, email]) => action(`${base}/tokens/revoke`, f.csrf, `Revoke all of ${email}`, { user: id }, 'danger', '', true)).join(' ')}</section>` : ''}`);
    }
    case 'calls': {
      const page = Math.max(0, Math.min(10_000, Number.parseInt(String(query.page ?? '0'), 10) || 0));
      const tool = CATALOGUE.some((t) => t.name === query.tool) || query.tool === 'monsys_unacknowledge_detection' ? String(query.tool) : undefined;
      const status = STATUSES.includes(String(query.status)) ? String(query.status) : undefined;
      const { rows, more } = await callsOf(db, v.tenant.id, { userId: admin ? null : v.user.userId, tool, status, page });
      const consents = await auditRows(db, v.tenant.id, ['mcp_authorization_granted'], admin ? null : v.user.userId);
      const link = (p: number) => `${base}/calls?${new URLSearchParams({ ...(tool ? { tool } : {}), ...(status ? { status } : {}), page: String(p) })}`;
      const option = (value: string, chosen: string | undefined) => `<option value="${esc(value)}"${value === chosen ? ' selected' : ''}>${esc(value)}</option>`;
      return consolePage(f, 'Calls', `<section class="card"><p>${admin ? 'Every tool call of this tenant' : 'Your tool calls in this tenant'}, through every door. Arguments are never stored, only their SHA-256.</p>
<form method="get" action="${base}/calls" class="filters"><div><label for="tool">Tool</label><select id="tool" name="tool"><option value="">any</option>${CATALOGUE.map((t) => option(t.name, tool)).join('')}</select></div>
<div><label for="status">Result</label><select id="status" name="status"><option value="">any</option>${STATUSES.map((s) => option(s, status)).join('')}</select></div><button type="submit">Filter</button></form>
${table('calls', ['When', 'Tool', 'User', 'Client', 'Door', 'Result', 'ms', 'Arguments (SHA-256)'], rows.map((r) => [when(r.called_at), esc(r.tool_name), esc(r.actor_email ?? ''), esc(r.client ?? '—'), esc(r.door), esc(r.result_status), `<span class="num">${Math.round(r.duration_ms)}</span>`, `<code title="${esc(r.args_sha256)}">${esc(r.args_sha256.slice(0, 12))}…</code>`]), 'No calls match.')}
<nav class="pager" aria-label="Pages">${page > 0 ? `<a href="${esc(link(page - 1))}" id="newer">Newer</a>` : ''}${more ? `<a href="${esc(link(page + 1))}" id="older">Older</a>` : ''}</nav></section>
<section class="card"><h2>Consents</h2>${table('consents', ['When', 'By', 'Client', 'Scopes'], consents.map((c) => [when(c.occurred_at), esc(c.actor_email ?? ''), esc(String(c.metadata.client_name ?? c.target_id ?? '')), `<code>${esc(String((c.metadata.scopes as string[] | undefined)?.join(' ') ?? ''))}</code>`]), 'No consent given yet.')}</section>`);
    }
    case 'acknowledgements': {
      const rows = await acknowledged(db, v.tenant.id);
      const mayReopen = roleAtLeast(v.tenant.role, 'analyst');
      return consolePage(f, 'Acknowledgements', `<section class="card"><p>Detections closed in this tenant, by people or by Claude. Reopening one is audited as <code>detection_unacknowledged</code>.</p>
${table('acknowledged', ['Acknowledged', 'By', 'Severity', 'Host', 'Detection', ''], rows.map((r) => [when(r.acked_at), esc(r.acked_by ?? ''), esc(r.severity), esc(r.hostname), esc(r.title), mayReopen ? action(`${base}/acknowledgements/reopen`, f.csrf, 'Reopen', { detection: r.id }) : '']), 'No acknowledged detections.')}</section>`);
    }
    case 'agents': {
      const agents = await agentsOf(db, v.tenant.id);
      const tokens = admin ? await listEnrollmentTokens(db, v.tenant.id) : [];
      return consolePage(f, 'Agents', `<section class="card"><h2>Hosts</h2>${table('agents', ['Host', 'Status', 'Last seen'], agents.map((a) => [esc(a.hostname), esc(a.status), when(a.last_seen_at)]), 'No agent has reported yet.')}</section>
${admin ? `<section class="card"><h2>Enrollment tokens</h2><p class="note">An agent sends data to the ingest API with its own token (docs/ingest.md).</p>
${table('enrollment-tokens', ['Name', 'Bound agent', 'Created', 'Last used', 'State', ''], tokens.map((t) => [esc(t.name), esc(t.agent_id ?? 'not yet'), when(t.created_at), when(t.last_used_at), t.revoked_at ? 'revoked' : 'active', t.revoked_at ? '' : action(`${base}/agents/revoke`, f.csrf, 'Revoke', { token: t.id }, 'danger')]), 'No enrollment tokens.')}
<form method="post" action="${base}/agents/enroll"><input type="hidden" name="csrf" value="${esc(f.csrf)}"><label for="agent-name">New agent name</label><input type="text" id="agent-name" name="name" required maxlength="64" pattern="[A-Za-z0-9_.\\-]+">
<label for="enroll-code">Authenticator code</label><input type="text" id="enroll-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="19"><button type="submit" class="primary" id="enroll">Issue enrollment token</button></form></section>` : ''}`);
    }
    case 'security': {
      const on = await totpEnabled(db, v.user.userId);
      const enrol = shown.enrolment
        ? `<p>Scan this code with your authenticator app (or type the key), then enter the 6-digit code it shows.</p><div class="qr" id="qr" role="img" aria-label="QR code of the authenticator key">${shown.enrolment.qrSvg}</div>
<p>Key: <code id="totp-secret">${esc(shown.enrolment.secret)}</code></p>
<form method="post" action="${base}/security/confirm"><input type="hidden" name="csrf" value="${esc(f.csrf)}"><label for="confirm-code">Code from the app</label><input type="text" id="confirm-code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="6"><button type="submit" class="primary" id="confirm-totp">Turn on</button></form>`
        : '';
      const codes = shown.recoveryCodes
        ? `<div class="notice" id="recovery-codes" role="status"><p><strong>Recovery codes</strong>, shown once: each signs you in once when the app is not at hand. Keep them somewhere safe.</p><ul>${shown.recoveryCodes.map((c) => `<li><code>${esc(c)}</code></li>`).join('')}</ul></div>`
        : '';
      return consolePage(f, 'Security', `<section class="card" id="totp"><h2>Two-factor sign-in <span class="badge ${on ? 'on' : 'off'}">${on ? 'on' : 'off'}</span></h2>
${codes}<p>${on ? 'Signing in needs a code from your authenticator app after the password, and so do the console’s sensitive actions: the connector and sovereignty switches, revoking other people’s tokens, issuing enrollment tokens.' : 'Turn it on to use the console’s sensitive actions (they need a fresh code): the connector and sovereignty switches, revoking other people’s tokens, issuing enrollment tokens.'}</p>
${on ? action(`${base}/security/disable`, f.csrf, 'Turn two-factor sign-in off', {}, 'danger', 'disable-totp', true) : enrol || action(`${base}/security/start`, f.csrf, 'Set up two-factor sign-in', {}, 'primary', 'start-totp')}</section>
${admin ? `<section class="card" id="require"><h2>Require it of every member <span class="badge ${v.tenant.requireTotp ? 'on' : 'off'}">${v.tenant.requireTotp ? 'on' : 'off'}</span></h2>
<p>${v.tenant.requireTotp ? 'Members without two-factor sign-in see only this page until they turn it on.' : 'Turned on, members without two-factor sign-in see only this page until they turn it on.'}</p>
${action(`${base}/security/require`, f.csrf, v.tenant.requireTotp ? 'Stop requiring it' : 'Require two-factor sign-in', { value: v.tenant.requireTotp ? 'off' : 'on' }, '', 'toggle-require', true)}</section>` : ''}`);
    }
  }
}
