/** `login`: the browser sign-in; stores the token for the profile. */
import { Command, Option } from 'commander';
import { SCOPES } from '../../../shared/tool.js';
import { BridgeError } from '../errors.js';
import { info } from '../log.js';
import { DEFAULT_SCOPES, login } from '../oauth.js';
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
    scopes,
    state: ctx.state,
    timeoutMs: (flags.timeout ?? 300) * 1000,
    callbackPort: flags.callbackPort,
    // `open` (and the child_process and platform probes it loads) only when a browser is wanted: not at `serve`'s start.
    openBrowser: flags.browser === false ? undefined : async (url) => void (await (await import('open')).default(url)),
  });
  await ctx.store.set(token);
  info(`Signed in to ${ctx.hub} (profile "${ctx.profile}", scopes: ${token.scope || scopes.join(' ')}). The token is kept in ${ctx.store.description}.`);
  return token;
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
