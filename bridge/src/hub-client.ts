/**
 * Forwards one tool call to the hub's REST API along the tool's catalogue `route`, and maps the
 * answer to an MCP tool result. The bridge adds no behaviour of its own: the hub validates,
 * authorizes and logs every call (mcp_call_log).
 */
import type { CatalogueTool } from '../../shared/index.js';
import { toolError, toolSuccess, type CallToolResult } from '../../shared/mcp.js';

export { summarize, toolError, toolSuccess } from '../../shared/mcp.js';
import { BridgeError } from './errors.js';
import { drain, hubFetch } from './http.js';
import { debug } from './log.js';
import type { Session } from './session.js';

export interface HubRequest {
  method: 'GET' | 'POST';
  url: URL;
  body?: string;
}

/**
 * `:name` path segments are filled from the argument of that name (URL-encoded); the other
 * arguments become the query string of a GET or the JSON body of a POST.
 */
export function buildRequest(hub: string, tool: CatalogueTool, args: Record<string, unknown>): HubRequest {
  const rest: Record<string, unknown> = { ...args };
  const path = tool.route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const value = rest[name];
    delete rest[name];
    if (value === undefined || value === null || value === '') {
      throw new BridgeError('invalid_option', `Invalid argument "${name}": required.`);
    }
    return encodeURIComponent(String(value));
  });
  const url = new URL(`${hub}${path}`);
  if (tool.route.method === 'GET') {
    for (const [key, value] of Object.entries(rest)) {
      if (value === undefined || value === null) continue;
      for (const v of Array.isArray(value) ? value : [value]) {
        url.searchParams.append(key, typeof v === 'object' ? JSON.stringify(v) : String(v));
      }
    }
    return { method: 'GET', url };
  }
  return { method: 'POST', url, body: JSON.stringify(rest) };
}

/**
 * The hub's JSON errors are `{ error: { code, message } }` with messages from its own templates
 * (hub/src/errors.ts), so they may reach the model. Anything else gets our own template.
 */
async function hubError(response: Response): Promise<{ code: string; message: string } | undefined> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = body?.error ?? {};
    if (typeof message !== 'string' || !message) return undefined;
    return { code: typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : `http_${response.status}`, message: message.slice(0, 600) };
  } catch {
    return undefined;
  }
}

const STATUS_TEXT: Record<number, [string, string]> = {
  400: ['invalid_argument', 'The monsys hub rejected the arguments.'],
  403: ['forbidden', 'The monsys hub refused this call for your account.'],
  404: ['not_found', 'Not found in this tenant.'],
};

export interface ForwardOptions {
  timeoutMs?: number;
  /** Called when a re-authentication is needed, e.g. to start the browser login in the background. */
  onReauthNeeded?: () => string | undefined;
}

/** Calls the hub for one tool; never throws: every failure becomes a tool error result. */
export async function forwardToolCall(session: Session, tool: CatalogueTool, args: Record<string, unknown>, o: ForwardOptions = {}): Promise<CallToolResult> {
  let request: HubRequest;
  try {
    request = buildRequest(session.hub, tool, args);
  } catch (err) {
    return toolError('invalid_argument', (err as Error).message);
  }
  const send = (token: string) =>
    hubFetch(request.url, {
      method: request.method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        ...(request.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: request.body,
      timeoutMs: o.timeoutMs,
    });

  try {
    let token = await session.accessToken();
    let response = await send(token);
    if (response.status === 401) {
      // Expired early or revoked: try the refresh token once, then give up with the fix.
      await drain(response);
      token = (await session.refresh(token)).access_token;
      response = await send(token);
      if (response.status === 401) {
        await drain(response);
        throw new BridgeError('reauth_required', session.reauthMessage('Your monsys sign-in has expired or was revoked.'));
      }
    }
    if (response.ok) {
      const output = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      if (!output || typeof output !== 'object' || Array.isArray(output)) return toolError('bad_response', 'The monsys hub sent an answer the bridge could not read. Retry later.');
      return toolSuccess(tool, output);
    }
    const e = await hubError(response);
    if (e) return toolError(e.code, e.message);
    if (response.status === 429) {
      const retry = response.headers.get('retry-after');
      return toolError('rate_limited', `Too many tool calls; retry after ${retry && /^\d+$/.test(retry) ? `${retry} seconds` : 'a minute'}.`);
    }
    if (response.status >= 500) return toolError('hub_error', `The monsys hub had a problem answering (HTTP ${response.status}). Retry in a minute.`);
    const [code, message] = STATUS_TEXT[response.status] ?? ['hub_error', `The monsys hub refused the call (HTTP ${response.status}).`];
    return toolError(code, message);
  } catch (err) {
    if (err instanceof BridgeError) {
      if (err.code === 'reauth_required' || err.code === 'not_logged_in') {
        const extra = o.onReauthNeeded?.();
        return toolError(err.code, extra ? `${err.message} ${extra}` : err.message);
      }
      return toolError(err.code, err.message);
    }
    debug(`unexpected error in ${tool.name}: ${(err as Error)?.name}`);
    return toolError('internal_error', 'The monsys bridge hit an unexpected error while calling the hub. Retry; if it persists, run the bridge with MONSYS_BRIDGE_DEBUG=1 and check its log.');
  }
}
