/**
 * Sovereignty mode (per tenant, `tenants.pseudonymize`): tool outputs carry stable pseudonyms
 * instead of hostnames, IPs, user names and e-mail addresses, free text is scrubbed of them, and
 * pseudonyms passed back as arguments are mapped to the real values before the service runs.
 * Which fields are identifiers comes from the catalogue's field tags (shared/fields.ts), never from
 * a list kept here.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { mapFields, type FieldTag } from '../../../shared/fields.js';
import type { Queryable } from '../db/types.js';

type IdKind = 'hostname' | 'ip' | 'user' | 'email';
const PREFIX: Record<IdKind, string> = { hostname: 'host', ip: 'ip', user: 'user', email: 'email' };
const ID_KINDS = new Set<string>(Object.keys(PREFIX));
const PSEUDONYM = /^(host|ip|user|email)-[0-9a-f]{12}$/;
const PSEUDONYM_IN_TEXT = '\\b(?:host|ip|user|email)-[0-9a-f]{12}\\b';

// Identifiers that free text can carry without the tenant's dictionary knowing them. Free text is
// attacker-written, so each runs in linear time: IPV4 and IPV6 have bounded repeats only; EMAIL's
// local part starts only where a run of its characters starts (the lookbehind), so a long run
// without an "@" is scanned once, not once per position (`"a.".repeat(4000)` cost ~30 ms that way).
const IPV4 = /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g;
const IPV6 = /\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b/gi;
const EMAIL = /(?<![^\s@"'<>])[^\s@"'<>]+@[^\s@"'<>]+\.[a-z]{2,}\b/gi;

/** Known identifiers per alternation regex: one pass over the text each, and well below V8's pattern size limit. */
const ALTERNATIVES_PER_PATTERN = 2000;

type Known = { value: string; kind: IdKind };

/**
 * Finds every known identifier in one pass per pattern instead of one pass per identifier: the
 * values form one alternation, longest first, so at each position the longest known value wins.
 * A pseudonym already in the text is matched first and kept, so a short value cannot match inside it.
 */
class KnownIdentifiers {
  private readonly patterns: RegExp[] = [];
  private readonly byValue = new Map<string, Known>();

  constructor(known: Known[]) {
    for (const k of known) {
      // Keyed as the /i flag compares (characters folded to upper case), so every match finds its value.
      const key = k.value.toUpperCase();
      if (k.value.length >= 3 && !this.byValue.has(key)) this.byValue.set(key, k);
    }
    const values = [...this.byValue.values()].map((k) => k.value).sort((a, b) => b.length - a.length);
    for (let i = 0; i < values.length; i += ALTERNATIVES_PER_PATTERN) {
      const alternatives = values.slice(i, i + ALTERNATIVES_PER_PATTERN).map(escapeRegExp);
      this.patterns.push(new RegExp(`${PSEUDONYM_IN_TEXT}|${alternatives.join('|')}`, 'gi'));
    }
  }

  replace(text: string, pseudonym: (k: Known) => string): string {
    let out = text;
    for (const re of this.patterns) {
      out = out.replace(re, (m) => {
        const k = this.byValue.get(m.toUpperCase());
        return k ? pseudonym(k) : m;
      });
    }
    return out;
  }
}

/** The tenant's HMAC key, created on first use. */
async function tenantKey(db: Queryable, tenantId: string): Promise<Buffer> {
  const r = await db.query<{ pseudonym_key: Buffer | Uint8Array | null }>('SELECT pseudonym_key FROM tenants WHERE id = $1', [tenantId]);
  const existing = r.rows[0]?.pseudonym_key;
  if (existing) return Buffer.from(existing);
  // Two hubs racing: COALESCE keeps whichever key was written first.
  const w = await db.query<{ pseudonym_key: Buffer | Uint8Array }>(
    'UPDATE tenants SET pseudonym_key = COALESCE(pseudonym_key, $2) WHERE id = $1 RETURNING pseudonym_key',
    [tenantId, randomBytes(32)],
  );
  return Buffer.from(w.rows[0]!.pseudonym_key);
}

export class Pseudonymizer {
  private readonly minted = new Map<string, { kind: IdKind; value: string }>();

  private constructor(
    private readonly db: Queryable,
    private readonly tenantId: string,
    private readonly key: Buffer,
    /** The tenant's hostnames and host IPs, longest first, for scrubbing free text. */
    private readonly dictionary: Known[],
  ) {}

  static async forTenant(db: Queryable, tenantId: string): Promise<Pseudonymizer> {
    const key = await tenantKey(db, tenantId);
    const hosts = await db.query<{ hostname: string; ip: string }>('SELECT hostname, ip FROM agents WHERE tenant_id = $1', [tenantId]);
    const dictionary = hosts.rows
      .flatMap((h) => [
        { value: h.hostname, kind: 'hostname' as const },
        { value: h.hostname.split('.')[0]!, kind: 'hostname' as const },
        { value: h.ip, kind: 'ip' as const },
      ])
      .filter((d) => d.value.length >= 4)
      .sort((a, b) => b.value.length - a.value.length);
    return new Pseudonymizer(db, tenantId, key, dictionary);
  }

  /** The stable pseudonym of one identifier. */
  pseudonym(kind: IdKind, value: string): string {
    const normalized = kind === 'hostname' || kind === 'email' ? value.toLowerCase() : value;
    const token = `${PREFIX[kind]}-${createHmac('sha256', this.key).update(`${kind}\u0000${normalized}`).digest('hex').slice(0, 12)}`;
    this.minted.set(token, { kind, value });
    return token;
  }

  /** Replaces every known identifier in free text, plus anything shaped like an IP or an e-mail address. */
  scrub(text: string, extra: Known[] = []): string {
    return this.scrubWith(new KnownIdentifiers([...extra, ...this.dictionary]), text);
  }

  private scrubWith(known: KnownIdentifiers, text: string): string {
    return known
      .replace(text, (k) => this.pseudonym(k.kind, k.value))
      .replace(EMAIL, (m) => this.pseudonym('email', m))
      .replace(IPV4, (m) => this.pseudonym('ip', m))
      .replace(IPV6, (m) => (m.includes('::') || m.split(':').length >= 4 ? this.pseudonym('ip', m) : m));
  }

  /** The output with identifiers replaced: tagged identifier fields first, then free text scrubbed of them too. */
  async conceal(schema: z.ZodType, output: unknown): Promise<unknown> {
    const seen: Known[] = [];
    const identifiers = mapFields(schema, output, (tag, leaf) => {
      if (ID_KINDS.has(tag.kind) && typeof leaf === 'string') {
        seen.push({ value: leaf, kind: tag.kind as IdKind });
        return this.pseudonym(tag.kind as IdKind, leaf);
      }
      return leaf;
    });
    // Built once per output, not per field: every free-text field is scanned against the same set.
    let known: KnownIdentifiers | undefined;
    const result = mapFields(schema, identifiers, (tag: FieldTag, leaf) => {
      if (tag.kind === 'alert_text' || tag.kind === 'audit_meta') return this.scrubDeep(leaf, (known ??= new KnownIdentifiers([...seen, ...this.dictionary])));
      return leaf;
    });
    await this.remember();
    return result;
  }

  private scrubDeep(value: unknown, known: KnownIdentifiers): unknown {
    if (typeof value === 'string') return PSEUDONYM.test(value) ? value : this.scrubWith(known, value);
    if (Array.isArray(value)) return value.map((v) => this.scrubDeep(v, known));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, this.scrubDeep(v, known)]));
    }
    return value;
  }

  /** Arguments with pseudonyms mapped back to real values (only in fields tagged as identifiers). */
  async reveal(schema: z.ZodType, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const wanted = new Set<string>();
    mapFields(schema, args, (tag, leaf) => {
      if (ID_KINDS.has(tag.kind) && typeof leaf === 'string' && PSEUDONYM.test(leaf)) wanted.add(leaf);
      return leaf;
    });
    if (!wanted.size) return args;
    const r = await this.db.query<{ token: string; value: string }>('SELECT token, value FROM pseudonyms WHERE tenant_id = $1 AND token = ANY($2)', [
      this.tenantId,
      [...wanted],
    ]);
    const real = new Map(r.rows.map((row) => [row.token, row.value]));
    // An unknown pseudonym matches nothing rather than being searched for literally.
    return mapFields(schema, args, (tag, leaf) =>
      ID_KINDS.has(tag.kind) && typeof leaf === 'string' && PSEUDONYM.test(leaf) ? (real.get(leaf) ?? '(unknown pseudonym)') : leaf,
    ) as Record<string, unknown>;
  }

  /** Stores the pseudonyms minted in this call, so they can be passed back later. */
  private async remember(): Promise<void> {
    if (!this.minted.size) return;
    const tokens = [...this.minted.keys()];
    await this.db.query(
      `INSERT INTO pseudonyms (tenant_id, token, kind, value)
       SELECT $1, t, k, v FROM unnest($2::text[], $3::text[], $4::text[]) AS x(t, k, v)
       ON CONFLICT (tenant_id, token) DO NOTHING`,
      [this.tenantId, tokens, tokens.map((t) => this.minted.get(t)!.kind), tokens.map((t) => this.minted.get(t)!.value)],
    );
    this.minted.clear();
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
