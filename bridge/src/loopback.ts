/**
 * The loopback redirect listener of the native-app login. @see RFC 8252 §7.3
 * Binds 127.0.0.1 only (never all interfaces), on a free port unless one is asked for,
 * and answers exactly one matching `/callback` request.
 */
import { createServer, type Server } from 'node:http';
import { BridgeError } from './errors.js';

export interface LoopbackListener {
  port: number;
  redirectUri: string;
  /** Resolves with the full callback URL once the browser comes back with the expected state. */
  callback(timeoutMs: number): Promise<URL>;
  /**
   * Answers the browser's callback request, which is held open until the sign-in is complete, so the page
   * tells the outcome (a refused tenant, a failed exchange), not only that the browser came back.
   */
  answer(outcome: { ok: true } | { ok: false; message: string }): void;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto"><h1>${esc(title)}</h1><p>${esc(body)}</p></body></html>`;

/** Waiting longer than this for the token exchange, the page answers anyway (the terminal has the outcome). */
const HOLD_MS = 30_000;

export async function startLoopback(expectedState: string, port = 0): Promise<LoopbackListener> {
  let settle: { resolve(u: URL): void; reject(e: Error): void } | undefined;
  let received: URL | undefined;
  let pending: ((title: string, body: string) => void) | undefined;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Only the callback path with our state counts; anything else (favicon, a stray or forged
    // request) is answered and ignored, so it cannot end the login.
    if (req.method !== 'GET' || url.pathname !== '/callback' || url.searchParams.get('state') !== expectedState || received) {
      res.writeHead(url.pathname === '/callback' ? 400 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
      return void res.end(page('Not the sign-in you started', 'This request does not match the login in progress.'));
    }
    const full = new URL(`${redirectUri}${url.search}`);
    received = full;
    const reply = (title: string, body: string) => {
      if (!pending) return;
      pending = undefined;
      clearTimeout(hold);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close' });
      res.end(page(title, body));
    };
    pending = reply;
    const hold = setTimeout(() => reply('Signing in to monsys', 'Go back to the terminal to see whether the sign-in completed.'), HOLD_MS);
    if (url.searchParams.has('error')) reply('Sign-in not completed', 'The monsys hub did not grant access. Go back to the terminal for details.');
    settle?.resolve(full);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new BridgeError('port_in_use', `Port ${port} on 127.0.0.1 is already in use, so the sign-in cannot receive the browser's answer. Close the program using it, or omit --callback-port to use a free port.`)
          : new BridgeError('login_failed', `Cannot listen on 127.0.0.1:${port} for the sign-in answer (${err.code ?? err.message}).`),
      );
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const redirectUri = `http://127.0.0.1:${boundPort}/callback`;

  return {
    port: boundPort,
    redirectUri,
    callback(timeoutMs) {
      if (received) return Promise.resolve(received);
      return new Promise<URL>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new BridgeError(
              'login_timeout',
              `No answer from the browser within ${Math.round(timeoutMs / 1000)} s, so the sign-in was abandoned. Run the command again and finish signing in in the browser (or open the printed URL yourself).`,
            ),
          );
        }, timeoutMs);
        settle = {
          resolve: (u) => {
            clearTimeout(timer);
            resolve(u);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
      });
    },
    answer(outcome) {
      if (outcome.ok) pending?.('Signed in to monsys', 'You can close this window and return to the terminal.');
      else pending?.('Sign-in not completed', outcome.message);
    },
    close: () =>
      new Promise<void>((resolve) => {
        pending?.('Sign-in not completed', 'Go back to the terminal for details.');
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
