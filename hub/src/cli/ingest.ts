/** CLI commands for fleet data in: enrollment tokens and OSV import (docs/ingest.md). */
import type { Command } from 'commander';
import { findTenant } from '../admin/accounts.js';
import { issueEnrollmentToken, listEnrollmentTokens, revokeEnrollmentToken } from '../ingest/tokens.js';
import { importOsv } from '../osv/import.js';
import { withDb } from './options.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

export function registerIngest(program: Command): void {
  const enroll = program.command('enroll').description('enrollment tokens (men_…) with which monsys agents send data to the ingest API');
  enroll
    .command('issue')
    .description('issue a token for one agent of a tenant; prints only the token (store it on the agent, it is shown once)')
    .requiredOption('--tenant <slug>', 'tenant slug')
    .requiredOption('--name <agent name>', 'a name to recognise the token by, e.g. the host name')
    .action(async (o: { tenant: string; name: string }, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const t = await findTenant(db, o.tenant);
        out((await issueEnrollmentToken(db, t.id, o.name.slice(0, 200))).value);
      });
    });
  enroll
    .command('revoke')
    .description('revoke a token (read from standard input, so it stays out of shell history)')
    .action(async (_o, cmd: Command) => {
      const value = (await readStdin()).trim();
      await withDb(cmd, async (db) => out((await revokeEnrollmentToken(db, value)) ? 'revoked' : 'no live token matched'));
    });
  enroll
    .command('list')
    .description("list a tenant's enrollment tokens (never their values)")
    .requiredOption('--tenant <slug>', 'tenant slug')
    .action(async (o: { tenant: string }, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const t = await findTenant(db, o.tenant);
        for (const k of await listEnrollmentTokens(db, t.id)) {
          const state = k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : 'active';
          out([k.id, k.name, state, k.agent_id ?? '-', k.created_at.toISOString(), k.last_used_at?.toISOString() ?? 'never used'].join('\t'));
        }
      });
    });

  program
    .command('osv')
    .description('OSV.dev advisories for OS packages (apt, dnf, apk, zypper)')
    .command('import <path>')
    .description('import OSV records from a folder of .json files or a .zip export, then re-match every tenant')
    .option('--ecosystem <name...>', 'only these OSV ecosystems, e.g. "Debian:12" "Alpine:v3.19" (default: all supported)')
    .option('--full', 'the source is a complete export of its ecosystems: records missing from it are withdrawn')
    .action(async (path: string, o: { ecosystem?: string[]; full?: boolean }, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const s = await importOsv(db, path, { ecosystems: o.ecosystem, full: o.full, log: err });
        for (const p of s.problems) err(`skipped invalid file ${p}`);
        out(JSON.stringify({ ...s, problems: undefined }));
      });
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
