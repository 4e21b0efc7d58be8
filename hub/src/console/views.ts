/**
 * The console's HTML: server-rendered, no scripts, every value escaped, the hub's one stylesheet.
 * Every page has the product mark, the tenant switcher, the tabs and sign-out.
 */
import { esc } from '../oauth/pages.js';
import { STYLESHEET_PATH } from '../web/style.js';

export const TABS = [
  ['connector', 'Connector'],
  ['tokens', 'Tokens'],
  ['calls', 'Calls'],
  ['acknowledgements', 'Acknowledgements'],
  ['agents', 'Agents'],
  ['security', 'Security'],
] as const;
export type Tab = (typeof TABS)[number][0];

export interface Frame {
  email: string;
  tenants: { slug: string; name: string; role: string }[];
  current: { slug: string; name: string; role: string };
  tab: Tab;
  csrf: string;
  notice?: string;
  error?: string;
}

export function page(title: string, body: string, main = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · monsys</title><link rel="stylesheet" href="${STYLESHEET_PATH}"></head><body>${main}${body}</body></html>`;
}

export function consolePage(f: Frame, title: string, body: string): string {
  const base = `/console/${encodeURIComponent(f.current.slug)}`;
  const tabs = TABS.map(([id, label]) => `<a href="${base}/${id}"${id === f.tab ? ' aria-current="page"' : ''}>${label}</a>`).join('');
  const switcher =
    f.tenants.length > 1
      ? `<form method="get" action="/console" class="inline" id="tenant-switcher"><label for="tenant" class="muted">Tenant</label>
<select id="tenant" name="tenant">${f.tenants.map((t) => `<option value="${esc(t.slug)}"${t.slug === f.current.slug ? ' selected' : ''}>${esc(t.name)}</option>`).join('')}</select>
<button type="submit">Switch</button></form>`
      : `<span id="tenant-name">${esc(f.current.name)}</span>`;
  const header = `<header class="top"><a class="mark" href="/console">monsys <span class="muted">Claude connector</span></a>
<nav class="tabs" aria-label="Console">${tabs}</nav>
<div class="who">${switcher}<span>${esc(f.email)} <span class="muted">(${esc(f.current.role)})</span></span>
<form method="post" action="/console/sign-out" class="inline"><input type="hidden" name="csrf" value="${esc(f.csrf)}"><button type="submit" id="sign-out">Sign out</button></form></div></header>`;
  const messages = `${f.notice ? `<p class="notice" id="notice" role="status">${esc(f.notice)}</p>` : ''}${f.error ? `<p class="error" id="error" role="alert">${esc(f.error)}</p>` : ''}`;
  return page(`${title} — ${f.current.name}`, `<main><h1>${esc(title)}</h1>${messages}${body}</main>`, header);
}

/**
 * A POST button: CSRF token, hidden fields, one submit. `code`: a sensitive action, with a field for a
 * fresh authenticator code (left empty when the session proved one in the last minutes).
 */
export function action(path: string, csrf: string, label: string, fields: Record<string, string> = {}, cls = '', id = '', code = false): string {
  const hidden = Object.entries({ csrf, ...fields })
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  const codeField = code
    ? `<input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="19" size="8" placeholder="code" aria-label="Authenticator code for: ${esc(label)}"${id ? ` id="${esc(id)}-code"` : ''}> `
    : '';
  return `<form method="post" action="${esc(path)}" class="inline">${hidden}${codeField}<button type="submit"${cls ? ` class="${cls}"` : ''}${id ? ` id="${esc(id)}"` : ''}>${esc(label)}</button></form>`;
}

export const when = (d: Date | null | undefined) => (d ? `<span class="time">${esc(d.toISOString().slice(0, 16).replace('T', ' '))} UTC</span>` : '<span class="muted">never</span>');

export function table(id: string, head: string[], rows: string[][], empty: string): string {
  if (!rows.length) return `<p class="muted" id="${esc(id)}-empty">${esc(empty)}</p>`;
  return `<div class="table-wrap"><table id="${esc(id)}"><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}</tbody></table></div>`;
}

export function notFoundPage(): string {
  return page('Not found', `<main class="narrow"><div class="card"><h1>Page not found</h1><p>There is nothing at this address.</p>
<p><a href="/console">Open the connector console</a></p></div></main>`);
}
