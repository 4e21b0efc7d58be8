/** `login`: the browser sign-in; stores the token for the profile. */
import { Command, Option } from 'commander';
import { SCOPES } from '../../../shared/tool.js';
import { BridgeError } from '../errors.js';
import { drain, hubFetch } from '../http.js';
import { info } from '../log.js';
import { loginCommand as loginHint } from '../names.js';
import { DEFAULT_SCOPES, login, revoke } from '../oauth.js';
import type { StoredToken } from '../token-store.js';
import { addCommonOptions, positiveInt, resolveContext, type CommonOptions, type Context } from './options.js';

export interface LoginFlags {
  scope?: string[];
  browser?: boolean;
  timeout?: number;
  callbackPort?: number;
}

export function addLoginOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--scope <scope...>', `extra scopes besides mcp.read (${Object.keys(SCOPES).join(', ')})`).argParser((value: string, previous: string[] = []) => [
        ...previous,
        ...value.split(/[\s,]+/).filter(Boolean),
      ]),
    )
    .option('--no-browser', 'do not open a browser; only print the sign-in URL')
    .addOption(new Option('--timeout <seconds>', 'give up when the browser has not come back after this long').default(300).argParser(positiveInt('--timeout')))
    .addOption(new Option('--callback-port <port>', 'loopback port for the browser redirect (default: a free port)').argParser(positiveInt('--callback-port')));
}

/** Signs in and stores the token; shared by `login`, `install` and `serve --auto-login`. */
export async function runLogin(ctx: Context, flags: LoginFlags): Promise<StoredToken> {
  const scopes = [...new Set([...DEFAULT_SCOPES, ...(flags.scope ?? [])])];
  const unknown = scopes.filter((s) => !(s in SCOPES));
  if (unknown.length) throw new BridgeError('invalid_option', `Unknown scope ${unknown.map((s) => `"${s.slice(0, 40)}"`).join(', ')}: choose from ${Object.keys(SCOPES).join(', ')}.`);
  // Check the store first, so nobody signs in only to learn that the token cannot be kept.
  await ctx.store.get(ctx.hub, ctx.profile);
  const token = await login({
    hub: ctx.hub,
    profile: ctx.profile,
    tenant: ctx.tenant,
    scopes,
    state: ctx.state,
    timeoutMs: (flags.timeout ?? 300) * 1000,
    callbackPort: flags.callbackPort,
    // `open` (and the child_process and platform probes it loads) only when a browser is wanted: not at `serve`'s start.
    openBrowser: flags.browser === false ? undefined : async (url) => void (await (await import('open')).default(url)),
    // A token for another tenant than the profile's is revoked, never stored: one profile, one tenant.
    accept: async (t) => {
      const chosen = await tenantOfToken(ctx.hub, t.access_token).catch(async (err: unknown) => {
        await revoke(t).catch(() => false);
        throw err;
      });
      if (ctx.tenant && chosen !== ctx.tenant) {
        const revoked = await revoke(t).catch(() => false);
        throw new BridgeError(
          'wrong_tenant',
          `In the browser you chose the tenant "${chosen}", but profile "${ctx.profile}" is for the tenant "${ctx.tenant}". Nothing was stored${revoked ? ' and the new sign-in was revoked' : ''}. ` +
            `Sign in again and choose "${ctx.tenant}": ${loginHint(ctx.hub, ctx.profile, { fileStore: ctx.fileStore, tenant: ctx.tenant })} — or, if "${chosen}" is the tenant you meant, give it its own profile: ${loginHint(ctx.hub, chosen, { fileStore: ctx.fileStore })}`,
        );
      }
      return { ...t, tenant: chosen };
    },
  });
  await ctx.store.set(token);
  ctx.state.bindTenant(ctx.hub, ctx.profile, token.tenant!);
  info(`Signed in to ${ctx.hub} (profile "${ctx.profile}", tenant "${token.tenant}", scopes: ${token.scope || scopes.join(' ')}). The token is kept in ${ctx.store.description}.`);
  return token;
}

/**
 * The tenant a new token is bound to, from the hub itself: the KPI summary needs only mcp.read, which
 * every sign-in has, and names its tenant.
 */
export async function tenantOfToken(hub: string, accessToken: string): Promise<string> {
  const r = await hubFetch(`${hub}/v1/kpi-summary`, { headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' }, timeoutMs: 15_000 });
  let body: { tenant?: unknown } = {};
  if (r.ok) body = (await r.json().catch(() => ({}))) as { tenant?: unknown };
  else await drain(r);
  if (typeof body.tenant !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(body.tenant)) {
    throw new BridgeError('login_failed', `The hub did not say which tenant the new sign-in is for (HTTP ${r.status} on /v1/kpi-summary), so nothing was stored. Retry in a minute.`);
  }
  return body.tenant;
}

export function loginCommand(): Command {
  const cmd = new Command('login')
    .summary('sign in to the monsys hub in your browser and keep the token')
    .description(
      'Signs in to the monsys hub in your browser (OAuth 2.1 with PKCE) and keeps the token in the OS keychain, ' +
        'one entry per hub and profile. Run it again whenever Claude says your sign-in has expired.',
    );
  addLoginOptions(addCommonOptions(cmd)).action(async (o: CommonOptions & LoginFlags) => {
    await runLogin(resolveContext(o), o);
  });
  return cmd;
}
