/**
 * A real TLS reverse proxy for end-to-end tests: Debian's nginx, configured with the server block
 * that docs/deploy.md gives operators (only its host name, certificate paths and ports replaced), and
 * a certificate for that host made here with openssl, signed by a throwaway CA.
 * Clients reach the public host name through `publicFetch` (undici: the name resolved to loopback,
 * the CA trusted), and Chromium through a host-resolver rule.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { ROOT } from './paths.js';

export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

export interface TlsProxy {
  /** The public origin, e.g. https://hub.monsys.test:41234 */
  origin: string;
  host: string;
  port: number;
  /** The CA certificate (PEM) that signed the proxy's certificate. */
  ca: string;
  /** fetch that resolves the public host to loopback and trusts the CA. */
  fetch: typeof globalThis.fetch;
  /** Chromium flags that resolve the public host to loopback. */
  chromiumArgs: string[];
  /**
   * Points the proxy at the hub (writes the configuration and starts nginx). `appendForwardedFor`:
   * the proxy appends the client's address to the X-Forwarded-For it was sent (nginx's common
   * `$proxy_add_x_forwarded_for`) instead of replacing it as docs/deploy.md does.
   */
  start(upstream: string, o?: { appendForwardedFor?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** The nginx server block of docs/deploy.md, as operators copy it. */
export function deployDocNginxConfig(): string {
  const doc = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');
  const block = /<!-- nginx:start -->\s*```nginx\n([\s\S]*?)```\s*<!-- nginx:end -->/.exec(doc)?.[1];
  if (!block) throw new Error('docs/deploy.md has no nginx block between <!-- nginx:start --> and <!-- nginx:end -->');
  return block;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Reserves a port and makes the certificate; the proxy starts once the hub's address is known. */
export async function createTlsProxy(host = 'hub.monsys.test'): Promise<TlsProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'monsys-nginx-'));
  const port = await freePort();
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=monsys test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${host}`, '-keyout', 'privkey.pem', '-out', 'hub.csr');
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
  ssl('x509', '-req', '-in', 'hub.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'fullchain.pem');
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');

  const agent = new Agent({
    connect: {
      ca,
      servername: host,
      lookup: (hostname, options, cb) => {
        if (hostname !== host) return cb(new Error(`the test network only knows ${host}`), '', 4);
        // Node's lookup contract: with `all`, an array of addresses.
        if ((options as { all?: boolean }).all) return (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
        cb(null, '127.0.0.1', 4);
      },
    },
  });
  const publicFetch = ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher: agent } as never)) as unknown as typeof globalThis.fetch;

  let proc: ChildProcess | undefined;
  let errors = '';
  return {
    origin: `https://${host}:${port}`,
    host,
    port,
    ca,
    fetch: publicFetch,
    chromiumArgs: [`--host-resolver-rules=MAP ${host} 127.0.0.1`],
    async start(upstream: string, o: { appendForwardedFor?: boolean } = {}) {
      let server = deployDocNginxConfig()
        .replace('listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`)
        .replace('server_name api.monsys.example;', `server_name ${host};`)
        .replace('/etc/ssl/monsys/fullchain.pem', join(dir, 'fullchain.pem'))
        .replace('/etc/ssl/monsys/privkey.pem', join(dir, 'privkey.pem'))
        .replace('http://127.0.0.1:8787', upstream);
      if (o.appendForwardedFor) {
        const replaced = server.replace(/X-Forwarded-For\s+\$remote_addr;/, 'X-Forwarded-For $proxy_add_x_forwarded_for;');
        if (replaced === server) throw new Error('docs/deploy.md no longer sets X-Forwarded-For to $remote_addr');
        server = replaced;
      }
      // The main configuration a distribution ships, reduced to what this test owns (its own folder).
      const main = `${process.getuid?.() === 0 ? 'user root;\n' : ''}daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log ${join(dir, 'access.log')};
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${server}
}
`;
      writeFileSync(join(dir, 'nginx.conf'), main);
      execFileSync(NGINX, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      proc = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      proc.stderr!.on('data', (d) => (errors += d));
      for (let i = 0; i < 100; i++) {
        try {
          await publicFetch(`https://${host}:${port}/healthz`);
          return;
        } catch {
          if (proc.exitCode !== null) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw new Error(`nginx did not start: ${errors}${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    },
    async stop() {
      if (proc && proc.exitCode === null) {
        const exited = new Promise((r) => proc!.once('exit', r));
        proc.kill('SIGQUIT');
        await exited;
      }
      await agent.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
