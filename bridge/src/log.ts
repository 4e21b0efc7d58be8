/**
 * Diagnostics for people, always on stderr. `serve` speaks JSON-RPC on stdout (MCP stdio transport),
 * so nothing in the bridge writes there except `status`, whose output is its answer.
 * Never pass tokens, codes or tool arguments to these functions.
 */
export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Debug lines only when MONSYS_BRIDGE_DEBUG is set; Claude Desktop shows stderr in its MCP log. */
export function debug(message: string): void {
  if (process.env.MONSYS_BRIDGE_DEBUG) process.stderr.write(`[monsys-bridge] ${message}\n`);
}
