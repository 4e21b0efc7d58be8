/**
 * The stdio MCP server Claude Desktop spawns. Tools come from the shared catalogue with the
 * same names, descriptions, schemas and annotations as the hub's remote `/mcp` endpoint; each
 * call is forwarded to the hub's REST API. Stdout belongs to JSON-RPC: nothing here prints.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CATALOGUE } from '../../shared/index.js';
import { forwardToolCall, type ForwardOptions } from './hub-client.js';
import type { Session } from './session.js';
import { VERSION } from './version.js';

export function createBridgeServer(session: Session, o: ForwardOptions = {}): McpServer {
  const server = new McpServer(
    { name: 'monsys', title: 'monsys', version: VERSION },
    {
      instructions:
        'monsys security monitoring for one tenant. Read-mostly: the only write is monsys_acknowledge_detection ' +
        '(reversible, audit-logged); call it only when the user asked to close a detection. Start with monsys_kpi_summary.',
    },
  );
  for (const tool of CATALOGUE) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: tool.annotations,
      },
      (args: Record<string, unknown>) => forwardToolCall(session, tool, args, o),
    );
  }
  return server;
}
