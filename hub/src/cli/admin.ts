import { Command, InvalidArgumentError, Option } from 'commander';
import { ALL_SCOPES, ROLES, type Role, type Scope } from '../../../shared/index.js';
import { addUser, createTenant, setTenantPseudonymize, findTenant, findUserByEmail, listTenants, roleOf, setTenantMcp } from '../admin/accounts.js';
import { issueAccessToken, revokeAccessToken } from '../auth/tokens.js';
import { migrate } from '../db/index.js';
import { seedDemo } from '../seed/index.js';
import { withDb } from './options.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function positiveInt(name: string, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} is a whole number from 1 to ${max}.`);
    return n;
  };
}

export function registerAdmin(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async (_o, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const applied = await migrate(db);
        out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      });
    });

  program
    .command('seed')
    .description('generate deterministic demo data (tenants acme and eu-bank under one MSP)')
    .option('--seed <n>', 'PRNG seed', positiveInt('--seed', 2 ** 31), 42)
    .option('--scale <n>', 'size multiplier for benchmarks (1 = demo, 10 ≈ 1k hosts, 100 ≈ 10k hosts)', positiveInt('--scale', 1000), 1)
    .action(async (o: { seed: number; scale: number }, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const s = await seedDemo(db, { seed: o.seed, scale: o.scale, log: err });
        out(JSON.stringify(s));
      });
    });

  const tenant = program.command('tenant').description('tenants and their connector opt-in');
  tenant
    .command('list')
    .description('list tenants with their opt-in state')
    .action(async (_o, cmd: Command) => {
      await withDb(cmd, async (db) => {
        for (const t of await listTenants(db)) out(`${t.slug}\t${t.mcp_enabled ? 'enabled' : 'disabled'}\t${t.name}`);
      });
    });
  tenant
    .command('create <slug> <name>')
    .description('create a tenant (connector disabled until enabled)')
    .action(async (slug: string, name: string, _o, cmd: Command) => {
      await withDb(cmd, async (db) => out(`created ${(await createTenant(db, { slug, name })).slug}`));
    });
  for (const [verb, on] of [['enable', true], ['disable', false]] as const) {
    tenant
      .command(`${verb} <slug>`)
      .description(on ? 'opt the tenant in to the Claude connector' : 'opt the tenant out: authorization and every existing token stop working')
      .action(async (slug: string, _o, cmd: Command) => {
        await withDb(cmd, async (db) => out(`${(await setTenantMcp(db, slug, on)).slug}: connector ${on ? 'enabled' : 'disabled'}`));
      });
  }

  tenant
    .command('pseudonymize <slug> <on|off>')
    .description('sovereignty mode: tool outputs carry stable pseudonyms instead of hostnames, IPs, user names and e-mails')
    .action(async (slug: string, state: string, _o, cmd: Command) => {
      if (state !== 'on' && state !== 'off') throw new InvalidArgumentError('Say "on" or "off".');
      await withDb(cmd, async (db) => out(`${(await setTenantPseudonymize(db, slug, state === 'on')).slug}: pseudonymization ${state}`));
    });

  program
    .command('user')
    .description('users and their tenant roles')
    .command('add <email>')
    .description('create a user (or update the password) and give them a role in a tenant')
    .requiredOption('--tenant <slug>', 'tenant slug')
    .addOption(new Option('--role <role>', 'role in the tenant').choices(ROLES).default('analyst'))
    .option('--name <name>', 'display name')
    .option('--password-stdin', 'read the password from standard input (never from an argument)')
    .action(async (email: string, o: { tenant: string; role: Role; name?: string; passwordStdin?: boolean }, cmd: Command) => {
      const password = o.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
      await withDb(cmd, async (db) => {
        const u = await addUser(db, { email, name: o.name, password, tenantSlug: o.tenant, role: o.role });
        out(`${u.created ? 'created' : 'updated'} ${email.toLowerCase()} as ${o.role} in ${o.tenant}`);
      });
    });

  const token = program.command('token').description('admin path to mint and revoke mat_ access tokens (automation, tests)');
  token
    .command('issue')
    .description('mint an access token for a user in a tenant; prints only the token')
    .requiredOption('--tenant <slug>', 'tenant slug')
    .requiredOption('--user <email>', 'user e-mail (must be a member of the tenant)')
    .addOption(new Option('--scope <scope...>', 'scopes').choices(ALL_SCOPES).default(['mcp.read']))
    .option('--ttl <seconds>', 'lifetime in seconds (default 3600, at most 30 days)', positiveInt('--ttl', 30 * 86400), 3600)
    .action(async (o: { tenant: string; user: string; scope: Scope[]; ttl: number }, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const t = await findTenant(db, o.tenant);
        const u = await findUserByEmail(db, o.user);
        await roleOf(db, t.id, u.id);
        const issued = await issueAccessToken(db, { tenantId: t.id, userId: u.id, scopes: o.scope, ttlSeconds: o.ttl });
        if (!t.mcp_enabled) err(`warning: the connector is disabled for ${t.slug}; the token is refused until: hub tenant enable ${t.slug}`);
        out(issued.value);
      });
    });
  token
    .command('revoke')
    .description('revoke a token (read from standard input, so it stays out of shell history)')
    .action(async (_o, cmd: Command) => {
      const value = (await readStdin()).trim();
      await withDb(cmd, async (db) => out((await revokeAccessToken(db, value)) ? 'revoked' : 'no live token matched'));
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
