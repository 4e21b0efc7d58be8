/** Markdown generated from the catalogue for the README (kept current by scripts/gen-docs.ts and its test). */
import { CATALOGUE } from './index.js';
import { DATA_KINDS, SCOPES } from './tool.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The README's tool table: one row per tool, in catalogue order. */
export function toolTableMarkdown(): string {
  const rows = CATALOGUE.map((t) => {
    const first = /^.*?\.(?=\s+[A-Z]|$)/.exec(t.description)?.[0] ?? t.description;
    const data = t.dataFlow.map((k) => DATA_KINDS[k].split(/[:(]/)[0]!.trim().toLowerCase()).join(', ');
    return `| \`${t.name}\` | ${cell(first)} | \`${t.scope}\`${t.minRole !== 'viewer' ? ` (role ${t.minRole}+)` : ''} | \`${t.route.method} ${t.route.path}\` | ${t.readOnly ? 'read-only' : '**write** (reversible, audited)'} | ${data} |`;
  });
  return [
    '| Tool | What it returns | Scope | REST route | Kind | Data sent to the model |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Which kinds of tenant data reach the model, and through which tools (from the output field tags). */
export function dataFlowMarkdown(): string {
  const rows = (Object.keys(DATA_KINDS) as (keyof typeof DATA_KINDS)[]).map((kind) => {
    const tools = CATALOGUE.filter((t) => t.dataFlow.includes(kind)).map((t) => `\`${t.name}\``);
    return `| ${DATA_KINDS[kind]} | ${tools.length ? tools.join(', ') : '—'} |`;
  });
  const untrusted = CATALOGUE.flatMap((t) => t.untrustedFields.map((f) => `\`${t.name}\` → \`${f}\``));
  return [
    '| Data that goes through Claude | Tools that return it |',
    '|---|---|',
    ...rows,
    '',
    `Attacker-controlled text (fenced as quoted data before it reaches the model): ${untrusted.join('; ')}.`,
  ].join('\n');
}

/** The scopes in plain words. */
export function scopeListMarkdown(): string {
  return Object.entries(SCOPES)
    .map(([s, d]) => `- \`${s}\`: ${d}`)
    .join('\n');
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceBetweenMarkers(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`markers ${start} … ${end} not found`);
  return `${text.slice(0, i + start.length)}\n${content}\n${text.slice(j)}`;
}
