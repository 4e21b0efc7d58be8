/**
 * zod without its JIT, for the whole bridge process; imported first by main.ts, because zod decides per
 * schema when the schema is built (the MCP SDK builds its protocol schemas as it loads).
 *
 * zod 4 compiles a parser for each object schema with `new Function` the first time it parses one. That
 * code is not in the bridge's code cache (code-cache.ts), so every start paid for it before answering
 * `initialize` (about 3 ms of the 40 above `node -e 0`), while the bridge parses only a few small
 * messages per tool call (about 0.02 ms more each without the JIT). Results and messages are the same.
 * @see https://zod.dev/packages/core#jitless (also used under strict content security policies)
 */
import { config } from 'zod';

config({ jitless: true });
