/** `status`: who this profile is signed in as, and whether the hub answers. Its answer goes to stdout. */
import { Command } from 'commander';
import { BridgeError } from '../errors.js';
import { drain, hubFetch } from '../http.js';
import { Session } from '../session.js';
import type { StoredToken } from '../token-store.js';
import { addCommonOptions, resolveContext, type CommonOptions, type Context } from './options.js';

export interface StatusReport {
  hub: string;
  profile: string;
  store: string;
  signed_in: boolean;
  user: string | null;
  tenant: string | null;
  scopes: string[];
  expires_at: string | null;
  refresh_token: boolean;
  hub_answers: boolean;
  problem: string | null;
}

/** Asks the hub for the tenant's KPI summary: cheap, needs only mcp.read, and names the tenant. */
async function probe(ctx: Context, token: StoredToken | undefined): Promise<Pick<StatusReport, 'hub_answers' | 'tenant' | 'problem'>> {
  try {
    if (!token) {
      const r = await hubFetch(`${ctx.hub}/healthz`, { timeoutMs: 10_000 });
      await drain(r);
      return { hub_answers: r.ok, tenant: null, problem: r.ok ? null : `The hub answered HTTP ${r.status} on /healthz.` };
    }
    const session = new Session(ctx.hub, ctx.profile, ctx.store, ctx.fileStore);
    const r = await session.get(`${ctx.hub}/v1/kpi-summary`);
    const body = (await r.json().catch(() => ({}))) as { tenant?: unknown; error?: { message?: unknown } };
    if (r.status === 401) return { hub_answers: true, tenant: null, problem: session.reauthMessage('The hub no longer accepts this sign-in.') };
    if (!r.ok) return { hub_answers: true, tenant: null, problem: typeof body.error?.message === 'string' ? body.error.message : `The hub answered HTTP ${r.status}.` };
    return { hub_answers: true, tenant: typeof body.tenant === 'string' ? body.tenant : null, problem: null };
  } catch (err) {
    if (err instanceof BridgeError) return { hub_answers: err.code !== 'hub_unreachable', tenant: null, problem: err.message };
    throw err;
  }
}

export async function statusReport(ctx: Context): Promise<StatusReport> {
  const token = await ctx.store.get(ctx.hub, ctx.profile);
  const live = await probe(ctx, token);
  // The probe may have refreshed the token: show the current one.
  const current = token ? ((await ctx.store.get(ctx.hub, ctx.profile)) ?? token) : undefined;
  return {
    hub: ctx.hub,
    profile: ctx.profile,
    store: ctx.store.description,
    signed_in: Boolean(current),
    user: current?.user ?? null,
    tenant: live.tenant ?? current?.tenant ?? null,
    scopes: current?.scope ? current.scope.split(' ').filter(Boolean) : [],
    expires_at: current ? new Date(current.expires_at * 1000).toISOString() : null,
    refresh_token: Boolean(current?.refresh_token),
    hub_answers: live.hub_answers,
    problem: current ? live.problem : (live.problem ?? `Not signed in: run the login command for profile "${ctx.profile}".`),
  };
}

function render(s: StatusReport): string {
  const expiry = (() => {
    if (!s.expires_at) return '-';
    const mins = Math.round((Date.parse(s.expires_at) - Date.now()) / 60_000);
    return mins > 0 ? `${s.expires_at} (in ${mins} min)` : `${s.expires_at} (expired${s.refresh_token ? '; renewed on the next call' : ''})`;
  })();
  const rows: [string, string][] = [
    ['hub', s.hub],
    ['profile', s.profile],
    ['token store', s.store],
    ['signed in', s.signed_in ? 'yes' : 'no'],
    ['user', s.user ?? (s.signed_in ? '(not reported by the hub)' : '-')],
    ['tenant', s.tenant ?? '-'],
    ['scopes', s.scopes.join(' ') || '-'],
    ['expires', expiry],
    ['hub answers', s.hub_answers ? 'yes' : 'no'],
  ];
  if (s.problem) rows.push(['problem', s.problem]);
  return rows.map(([k, v]) => `${k.padEnd(12)} ${v}`).join('\n') + '\n';
}

export function statusCommand(): Command {
  const cmd = new Command('status')
    .summary('show the sign-in of a profile and whether the hub answers')
    .description('Shows the hub, profile, user, tenant, scopes and token expiry, and checks that the hub answers. Exits 1 when something needs fixing.');
  addCommonOptions(cmd)
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions & { json?: boolean }) => {
      const report = await statusReport(resolveContext(o));
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : render(report));
      if (!report.signed_in || !report.hub_answers || report.problem) process.exitCode = 1;
    });
  return cmd;
}
