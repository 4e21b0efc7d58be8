/**
 * The one stylesheet of the hub's pages (console, sign-in, consent, errors), served as a file under
 * the pages' CSP (`style-src 'self'`): no inline styles, no scripts. System fonts, readable from
 * 360 px to 1440 px, dark mode following the system, visible keyboard focus.
 */
import { createHash } from 'node:crypto';

export const STYLESHEET_PATH = '/assets/monsys.css';

export const STYLESHEET = `:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1b2230;--muted:#5b6475;--line:#dde1e8;--accent:#1d4ed8;--accent-text:#fff;--ok:#166534;--ok-bg:#dcfce7;--warn:#92400e;--warn-bg:#fef3c7;--bad:#991b1b;--bad-bg:#fde8e8;--focus:#2563eb}
@media (prefers-color-scheme:dark){:root{--bg:#0f141c;--card:#18202b;--text:#e6e9ef;--muted:#a3acbb;--line:#2c3644;--accent:#3b82f6;--accent-text:#fff;--ok:#86efac;--ok-bg:#12321f;--warn:#fcd34d;--warn-bg:#3a2c0b;--bad:#fca5a5;--bad-bg:#3b1515;--focus:#93c5fd}}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:var(--bg);color:var(--text)}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.75rem 1.25rem;background:var(--card);border-bottom:1px solid var(--line)}
.mark{font-weight:700;letter-spacing:.02em;text-decoration:none;color:var(--text);display:flex;align-items:center;gap:.5rem}
.mark::before{content:"";width:1.1rem;height:1.1rem;border-radius:4px;background:linear-gradient(135deg,var(--accent),#0ea5e9)}
nav.tabs{display:flex;flex-wrap:wrap;gap:.25rem}nav.tabs a{padding:.35rem .7rem;border-radius:6px;text-decoration:none;color:var(--text)}
nav.tabs a[aria-current=page]{background:var(--accent);color:var(--accent-text)}
.who{margin-left:auto;display:flex;align-items:center;gap:.75rem;color:var(--muted);font-size:.9rem}
main{max-width:72rem;margin:1.5rem auto;padding:0 1rem}
main.narrow{max-width:34rem;margin:3rem auto}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1.25rem 1.5rem;margin-bottom:1.25rem;overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:0 0 1rem}h2{font-size:1.05rem;margin:1.25rem 0 .5rem}
label{display:block;margin:.6rem 0 .2rem;font-weight:600}
input[type=email],input[type=password],input[type=text],select{width:100%;max-width:28rem;padding:.5rem;font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:6px}
button{font:inherit;padding:.45rem 1rem;margin:.5rem .5rem 0 0;border-radius:6px;border:1px solid var(--line);background:var(--card);color:var(--text);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-text)}
button.danger{border-color:var(--bad);color:var(--bad)}
form.inline{display:inline}form.inline button{margin:0}
.error{background:var(--bad-bg);color:var(--bad);border:1px solid var(--bad);padding:.6rem .8rem;border-radius:6px}
.notice{background:var(--ok-bg);color:var(--ok);border:1px solid var(--ok);padding:.6rem .8rem;border-radius:6px}
.note{color:var(--muted);font-size:.9rem}.muted{color:var(--muted)}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;border:1px solid currentColor}
.badge.on{color:var(--ok);background:var(--ok-bg)}.badge.off{color:var(--warn);background:var(--warn-bg)}
.table-wrap{overflow-x:auto;overflow-wrap:normal}.table-wrap table{min-width:40rem}.time{white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid var(--line);padding:.45rem .5rem;text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);white-space:nowrap}td.time,td.num,code{white-space:nowrap}
code{font-size:.85rem}
ul{padding-left:1.2rem;margin:.3rem 0}fieldset{border:1px solid var(--line);border-radius:6px}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end}.filters label{margin:0}.filters select{width:auto}
.qr svg{width:12rem;height:12rem;background:#fff;padding:.25rem;border-radius:6px}
.pager{display:flex;gap:1rem;margin-top:.75rem}
@media (max-width:600px){header.top{padding:.6rem .75rem}.who{margin-left:0}main{margin:1rem auto;padding:0 .5rem}.card{padding:1rem}}`;

/** For a strong validator: the stylesheet changes only with a new hub version. */
export const STYLESHEET_ETAG = `"${createHash('sha256').update(STYLESHEET).digest('base64url').slice(0, 16)}"`;
