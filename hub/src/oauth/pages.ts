/**
 * HTML for the hub's own pages (login, consent, token list, errors): server-rendered, no
 * scripts, every value escaped, the hub's one stylesheet (web/style.ts), never framed.
 */
import { STYLESHEET_PATH } from '../web/style.js';

/** Escapes text for HTML element content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Security headers for every page. `formActionOrigins`: where a form on the page may end up —
 * browsers apply form-action to the redirects that follow a submission, and the approval ends
 * in a redirect to the client's redirect URI.
 */
export function pageHeaders(formActionOrigins: string[] = []): Record<string, string> {
  const formAction = ["'self'", ...formActionOrigins].join(' ');
  return {
    'Content-Security-Policy': `default-src 'none'; style-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
    // Not no-referrer: under it browsers send `Origin: null` with form posts, defeating the Origin check.
    // same-origin sends nothing to other sites (e.g. the client's redirect URI, with the code).
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
  };
}

export function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · monsys</title><link rel="stylesheet" href="${STYLESHEET_PATH}"></head>
<body><main class="narrow"><p><a class="mark" href="/">monsys</a></p><div class="card">${body}</div></main></body></html>`;
}

export function errorPage(code: string, description: string): string {
  return layout('Authorization error', `<h1>This authorization request cannot continue</h1>
<p class="error" id="error"><strong>${esc(code)}</strong>: ${esc(description)}</p>
<p class="note">Nothing was sent back to the application. Start the connection again from Claude (or your client).</p>`);
}

export interface LoginPageOptions {
  action: string;
  csrf: string;
  email?: string;
  error?: string;
  /** What the sign-in is for, e.g. "to connect Claude to monsys". */
  purpose: string;
  cancelAction?: string;
}

export function loginPage(o: LoginPageOptions): string {
  return layout('Sign in', `<h1>Sign in to monsys</h1><p class="note">${esc(o.purpose)}</p>
${o.error ? `<p class="error" id="error" role="alert">${esc(o.error)}</p>` : ''}
<form method="post" action="${esc(o.action)}">
<input type="hidden" name="csrf" value="${esc(o.csrf)}">
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required value="${esc(o.email ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button class="primary" type="submit" id="sign-in">Sign in</button>
</form>`);
}

/** The second step of signing in to an account with two-factor sign-in (TOTP or a recovery code). */
export function secondFactorPage(o: { action: string; csrf: string; error?: string; purpose: string }): string {
  return layout('Two-factor sign-in', `<h1>Enter your sign-in code</h1><p class="note">${esc(o.purpose)}</p>
${o.error ? `<p class="error" id="error" role="alert">${esc(o.error)}</p>` : ''}
<form method="post" action="${esc(o.action)}">
<input type="hidden" name="csrf" value="${esc(o.csrf)}">
<label for="code">The 6-digit code from your authenticator app, or a recovery code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="19">
<button class="primary" type="submit" id="verify">Continue</button>
</form>`);
}

export const SECOND_FACTOR_FAILED = 'That code is not valid (a code works once; after 10 wrong codes, wait 15 minutes).';

export interface ConsentTenant {
  id: string;
  name: string;
  slug: string;
  role: string;
  mcpEnabled: boolean;
  /** Scopes this role may be granted (requested ∩ allowed). */
  grantable: string[];
}

export interface ConsentPageOptions {
  action: string;
  csrf: string;
  clientName: string;
  /** Where the code goes: the redirect URI's host (or the metadata document's host). */
  clientHost: string;
  redirectHost: string;
  email: string;
  tenants: ConsentTenant[];
  /** The slug the client asked for (`tenant_hint`): chosen in advance when the user may grant it. */
  tenantHint?: string;
  /** `optional`: the user may leave it out (a checkbox, checked by default); the others come with any approval. */
  scopes: { scope: string; text: string; note?: string; optional?: boolean }[];
  dataFlow: string[];
  error?: string;
}

export function consentPage(o: ConsentPageOptions): string {
  const usable = o.tenants.filter((t) => t.mcpEnabled && t.grantable.length);
  const tenantList = o.tenants
    .map((t, i) => {
      const why = !t.mcpEnabled
        ? ' — the Claude connector is not enabled for this tenant (a tenant admin can enable it in the connector console, /console)'
        : !t.grantable.length
          ? ` — your role (${t.role}) cannot be granted the requested access`
          : '';
      const checked = (usable.find((u) => u.slug === o.tenantHint) ?? usable[0])?.id === t.id ? ' checked' : '';
      const disabled = why ? ' disabled' : '';
      return `<label class="tenant"><input type="radio" name="tenant" value="${esc(t.id)}" id="tenant-${i}"${checked}${disabled}> ${esc(t.name)} <span class="muted">(${esc(t.slug)}, ${esc(t.role)})</span>${esc(why)}</label>`;
    })
    .join('\n');
  const blocked = usable.length === 0;
  return layout('Authorize', `<h1>Allow ${esc(o.clientName)} to access monsys?</h1>
${o.error ? `<p class="error" id="error" role="alert">${esc(o.error)}</p>` : ''}
<p>Signed in as <strong>${esc(o.email)}</strong>. <span id="client">${esc(o.clientName)}</span> (<span id="client-host">${esc(o.clientHost)}</span>) will receive an access token at <strong id="redirect-host">${esc(o.redirectHost)}</strong>.</p>
<form method="post" action="${esc(o.action)}">
<input type="hidden" name="csrf" value="${esc(o.csrf)}">
<fieldset><legend>Tenant — the token works for this tenant only</legend>
${tenantList}
</fieldset>
${blocked ? `<p class="error" id="opted-out" role="alert">${o.tenants.some((t) => !t.mcpEnabled) ? 'The Claude connector is not enabled for your tenant, so no access can be granted. A tenant admin can enable it in the connector console at /console (per-tenant opt-in, because tool data flows through Anthropic\u2019s API).' : 'Your role cannot be granted the requested access.'}</p>` : ''}
<h2>It will be able to</h2>
<ul id="scopes">${o.scopes.map((s) => `<li>${scopeItem(s)}</li>`).join('')}</ul>
<h2>What goes through Claude (to Anthropic, a US company)</h2>
<p class="note">When a tool is called, its result is sent to the model. For the access above that can include:</p>
<ul id="data-flow">${o.dataFlow.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>
<p class="note">Not included: agent-side data, secrets or credentials, raw audit-log bodies. Nothing can be executed: the only change possible is acknowledging a detection (reversible, audit-logged), with mcp.acknowledge.</p>
${blocked ? '' : '<button class="primary" type="submit" name="action" value="approve" id="approve">Approve</button>'}
<button type="submit" name="action" value="deny" id="deny" formnovalidate>Deny</button>
</form>`);
}

/** The form field that carries an optional scope's checkbox (authorize.ts reads it back). */
export const scopeField = (scope: string) => `scope:${scope}`;

function scopeItem(s: ConsentPageOptions['scopes'][number]): string {
  const text = `<strong>${esc(s.scope)}</strong>: ${esc(s.text)}${s.note ? ` <span class="muted">(${esc(s.note)})</span>` : ''}`;
  if (!s.optional) return text;
  const id = `grant-${s.scope.replace(/[^a-z]/g, '-')}`;
  return `<label for="${id}"><input type="checkbox" name="${esc(scopeField(s.scope))}" value="on" id="${id}" checked> ${text}</label>`;
}

export interface TokenRowView {
  id: string;
  client: string;
  tenant: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date;
}

const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'never');

export function tokensPage(o: { email: string; csrf: string; tokens: TokenRowView[]; notice?: string }): string {
  const rows = o.tokens
    .map(
      (t) => `<tr data-token-id="${esc(t.id)}"><td>${esc(t.client)}</td><td>${esc(t.tenant)}</td><td>${esc(t.scopes.join(' '))}</td><td>${when(t.createdAt)}</td><td>${when(t.lastUsedAt)}</td><td>${when(t.expiresAt)}</td>
<td><form method="post" action="/settings/mcp-tokens/${esc(t.id)}/revoke"><input type="hidden" name="csrf" value="${esc(o.csrf)}"><button type="submit" class="revoke">Revoke</button></form></td></tr>`,
    )
    .join('\n');
  return layout('MCP tokens', `<h1>Claude connector tokens</h1>
<p>Signed in as <strong>${esc(o.email)}</strong>.</p>
${o.notice ? `<p class="note" id="notice" role="status">${esc(o.notice)}</p>` : ''}
${o.tokens.length ? `<table id="tokens"><thead><tr><th>Client</th><th>Tenant</th><th>Scopes</th><th>Created</th><th>Last used</th><th>Expires</th><th></th></tr></thead><tbody>${rows}</tbody></table>` : '<p id="no-tokens">You have no active tokens.</p>'}
<p class="note">Revoking a token also ends the connection it belongs to: the client cannot refresh it and must be authorized again.</p>`);
}
