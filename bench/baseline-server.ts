/**
 * The floors the hub is measured against, as bare node:http servers with no framework:
 *  - `/<tool>?args`: the "database and Node floor": the same service function (so the same SQL through
 *    `pg`) for a fixed principal, with no authentication, validation or call log.
 *  - `/secured/<tool>?args`: the same plus the work every hub call must do whatever serves it: the
 *    bearer token looked up (authenticate()) and the call taken through invokeTool() (scope check,
 *    validation, output check, the mcp_call_log row). What the hub adds beyond this is its HTTP layer.
 * Usage: node --import tsx bench/baseline-server.ts <databaseUrl> <principal json>  → prints "listening <port>"
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findTool } from '../shared/index.js';
import { openPg } from '../hub/src/db/pg.js';
import { HANDLERS } from '../hub/src/services/index.js';
import { invokeTool } from '../hub/src/services/invoke.js';
import { authenticate } from '../hub/src/auth/bearer.js';
import type { Principal } from '../hub/src/auth/tokens.js';
import { loadConfig } from '../hub/src/config.js';

const [databaseUrl, principalJson] = process.argv.slice(2);
// The hub's own settings from the same environment, so both cache the Trust Score alike.
const config = loadConfig(process.env);
const db = openPg(databaseUrl!, { max: 10, ...config.pg });
const principal = JSON.parse(principalJson!) as Principal;
const SECURED = '/secured/';

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const secured = url.pathname.startsWith(SECURED);
  const tool = findTool(url.pathname.slice(secured ? SECURED.length : 1));
  if (!tool) return void res.writeHead(404).end();
  try {
    let out: unknown;
    if (secured) {
      // Tokens of `hub token issue` name no audience, so no audience list is needed.
      const caller = await authenticate(db, req.headers.authorization, []);
      out = await invokeTool({ db, config }, caller, tool.name, Object.fromEntries(url.searchParams), 'rest');
    } else {
      const handler = HANDLERS[tool.name] as (ctx: unknown, input: unknown) => Promise<unknown>;
      out = await handler({ db, principal, fleetFactsTtlMs: config.fleetFactsTtlMs }, tool.input.parse(Object.fromEntries(url.searchParams)));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  } catch {
    res.writeHead(500).end();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
