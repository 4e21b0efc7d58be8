/**
 * The "database and Node floor" for the benchmark: a bare node:http server that answers a tool by
 * calling the same service function (so the same SQL through `pg`) for a fixed principal, with no
 * framework, no authentication, no validation and no call log. The hub's overhead is measured against it.
 * Usage: node --import tsx bench/baseline-server.ts <databaseUrl> <principal json>  → prints "listening <port>"
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findTool } from '../shared/index.js';
import { openPg } from '../hub/src/db/pg.js';
import { HANDLERS } from '../hub/src/services/index.js';
import type { Principal } from '../hub/src/auth/tokens.js';

const [databaseUrl, principalJson] = process.argv.slice(2);
const db = openPg(databaseUrl!, { max: 10 });
const principal = JSON.parse(principalJson!) as Principal;

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const tool = findTool(url.pathname.slice(1));
  if (!tool) return void res.writeHead(404).end();
  const input = tool.input.parse(Object.fromEntries(url.searchParams));
  const handler = HANDLERS[tool.name] as (ctx: unknown, input: unknown) => Promise<unknown>;
  try {
    const out = await handler({ db, principal }, input);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  } catch {
    res.writeHead(500).end();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
