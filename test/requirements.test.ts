/**
 * Every promise of the product page (in our words: docs/requirements.md), traced to the tests
 * that verify it. This test fails when a traced test file or test title no longer exists, so a
 * promise cannot silently lose its test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './harness/paths.js';

/** [promise as the page states it, [file, a substring of a test title in it][]] */
export const REQUIREMENTS: [string, [string, string][]][] = [
  ['Claude can call tools from a chat (MCP server, custom connector)', [['test/mcp-endpoint.test.ts', 'lists exactly the 12 tools'], ['test/bridge-e2e.test.ts', 'lists the 12 tools and calls each one']]],
  ['Read-mostly: see, summarise, suggest, never execute', [['shared/catalogue.test.ts', 'exactly one write tool'], ['shared/catalogue.test.ts', 'no destructive action']]],
  ['The only write tool acknowledges a detection: reversible and audit-logged', [['hub/src/services/detections.test.ts', 'acknowledg'], ['test/rest-matrix.test.ts', "another tenant's id"]]],
  ['Claude discovers OAuth via /.well-known/oauth-authorization-server', [['test/oauth-rules.test.ts', 'RFC 8414 metadata'], ['test/oauth-rules.test.ts', 'RFC 9728']]],
  ['Connect → login page → approve scope mcp.read mcp.acknowledge → Connected', [['test/oauth-browser.test.ts', 'full flow'], ['test/oauth-rules.test.ts', 'scopes in plain words']]],
  ['Token TTL: 1 hour', [['test/oauth-rules.test.ts', 'mat_/mrt_ tokens (1 h'], ['test/oauth-rules.test.ts', 'expires access tokens']]],
  ['Refresh tokens (promised for v2, shipped)', [['test/oauth-rules.test.ts', 'rotates on every use'], ['test/oauth-rules.test.ts', 'detects reuse']]],
  ['Each of the 12 tools returns what the table says', [['test/rest-tools.test.ts', ''], ['hub/src/services/fleet.test.ts', ''], ['test/mcp-endpoint.test.ts', 'structuredContent matching the output schema']]],
  ['Every tool call is logged to mcp_call_log with tool, tenant, user, duration, result status', [['test/rest-matrix.test.ts', 'mcp_call_log row with the argument hash'], ['test/mcp-endpoint.test.ts', 'call-log row with the client id']]],
  ["Visible via monsys_audit_log_search(event_type='mcp_tool_invoked')", [['test/rest-matrix.test.ts', 'mcp_tool_invoked']]],
  ['Per-call audit stores an argument hash; raw arguments are not stored', [['test/rest-matrix.test.ts', 'no raw argument']]],
  ['The Claude routines (morning briefing, source-IP investigation, MSP check)', [['test/mcp-endpoint.test.ts', 'prompts'], ['test/sovereignty.test.ts', 'investigation']]],
  ['One connector per tenant', [['test/oauth-browser.test.ts', 'two tenants chooses one'], ['test/bridge-e2e.test.ts', 'second profile for a second tenant']]],
  ['The connector is per-tenant opt-in', [['test/rest-matrix.test.ts', 'not opted in'], ['test/oauth-browser.test.ts', 'opted-out tenant'], ['test/mcp-endpoint.test.ts', 'not opted in']]],
  ['Tenant data only, scoped to the user\u2019s RBAC', [['test/rest-matrix.test.ts', "another tenant's id"], ['test/rest-matrix.test.ts', 'viewer'], ['test/isolation.test.ts', '']]],
  ['No raw audit-log bodies (only event_type + metadata)', [['hub/src/services/audit.test.ts', 'bod']]],
  ['What goes through Claude is stated explicitly (and can be pseudonymised per client)', [['scripts/gen-docs.test.ts', 'tool table and scopes'], ['test/oauth-rules.test.ts', 'data flow from the catalogue'], ['test/sovereignty.test.ts', 'no hostname, IP or e-mail']]],
  ["Revoke tokens: UPDATE mcp_access_tokens SET revoked_at=NOW() WHERE user_id='<uuid>'", [['test/rest-matrix.test.ts', 'revoked'], ['test/oauth-rules.test.ts', "the product page"], ['test/mcp-endpoint.test.ts', 'revoked']]],
  ['Revoke tokens in the dashboard: /settings/mcp-tokens', [['test/oauth-browser.test.ts', '/settings/mcp-tokens revokes a token']]],
  ["Audit per connector: event_type='mcp_authorization_granted'", [['test/oauth-rules.test.ts', 'binds the token to the tenant chosen']]],
  ['Direct API roundtrip: register, browser authorize with PKCE S256, token, tools/call', [['test/oauth-browser.test.ts', 'the product page'], ['test/mcp-endpoint.test.ts', 'curl call']]],
  ['Destructive actions stay out of MCP and the bridge', [['shared/catalogue.test.ts', 'no destructive action']]],
];

describe('requirements traced to tests', () => {
  it.each(REQUIREMENTS)('%s', (_promise, tests) => {
    expect(tests.length).toBeGreaterThan(0);
    for (const [file, title] of tests) {
      const path = join(ROOT, file);
      expect(existsSync(path), file).toBe(true);
      const text = readFileSync(path, 'utf8');
      if (title) expect(text.includes(title), `${file}: "${title}"`).toBe(true);
    }
  });
});
