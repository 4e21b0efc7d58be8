/**
 * What a browser sees at the hub's root. The root is also an MCP endpoint (the product page tells
 * users to enter the bare hub URL as the connector URL), so only a plain page view gets HTML.
 */
import { CATALOGUE } from '../../../shared/index.js';
import { STYLESHEET_PATH } from '../web/style.js';

/**
 * The page's headers: no script, no frame (clickjacking), the hub's one stylesheet, never
 * sniffed as another type. @see CSP Level 3 (frame-ancestors); RFC 7034 (X-Frame-Options, for old browsers)
 */
export const LANDING_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function landingPage(publicUrl: string): string {
  const url = escape(publicUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>monsys MCP connector</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main class="narrow"><p><a class="mark" href="/">monsys</a></p><div class="card">
<h1>monsys MCP connector</h1>
<p>This is the monsys hub: a Model Context Protocol server that lets Claude read your tenant&#39;s fleet security data
(${CATALOGUE.length} tools, read-mostly; the only write is acknowledging a detection).</p>
<p>To connect: in Claude open <strong>Settings &rarr; Connectors &rarr; Add custom connector</strong> and enter
<code>${url}</code> as the URL. Claude discovers sign-in through
<a href="${url}/.well-known/oauth-protected-resource">${url}/.well-known/oauth-protected-resource</a>.</p>
<p>The connector is opt-in per tenant; a tenant admin enables it in the <a href="/console">connector console</a>.</p>
</div></main>
</body>
</html>
`;
}
