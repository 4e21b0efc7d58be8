/**
 * Field-level data classification. Every string field of every tool output is tagged with the
 * kind of data it carries to the model and whether its text may have been written by an attacker.
 * From these tags the catalogue derives each tool's `dataFlow` and `untrustedFields`, the README and
 * the consent page derive their disclosure, and the hub derives pseudonymisation and fencing.
 * Tags live in their own zod registry, so they never leak into the JSON Schemas clients see.
 */
import { z } from 'zod';
import type { DataKind } from './tool.js';

export interface FieldTag {
  kind: DataKind | 'structural';
  /** Text an attacker can choose (a user name tried in a brute force, a command line, a log line). */
  untrusted?: boolean;
}

const FIELD_TAGS = z.registry<FieldTag>();

/** Tags a schema in place and returns it. Tag a leaf once; wrappers (nullable, optional) inherit. */
export function tagged<T extends z.ZodType>(schema: T, tag: FieldTag): T {
  (schema as z.ZodType).register(FIELD_TAGS, tag as never);
  return schema;
}

/** The schema a nullable, optional, default or readonly wrapper wraps; undefined for any other schema. */
function wrapped(s: z.ZodType): z.ZodType | undefined {
  if (s instanceof z.ZodNullable || s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodReadonly) return s.unwrap() as z.ZodType;
  return undefined;
}

/** The tag of a leaf, looking through wrappers; metric for numbers, structural for enums, literals and booleans. */
function tagOf(schema: z.ZodType): FieldTag | undefined {
  for (let s: z.ZodType | undefined = schema; s; s = wrapped(s)) {
    const own = FIELD_TAGS.get(s);
    if (own) return own;
    if (s instanceof z.ZodNumber || s instanceof z.ZodBigInt) return { kind: 'metric' };
    if (s instanceof z.ZodBoolean || s instanceof z.ZodEnum || s instanceof z.ZodLiteral) return { kind: 'structural' };
  }
  return undefined;
}

/** The schema below its wrappers, stopping at a tagged one (a tag on a wrapper holds for what it wraps). */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let inner = wrapped(s); inner && !FIELD_TAGS.get(s); inner = wrapped(s)) s = inner;
  return s;
}

/** Every leaf of an output schema with its tag; `tag` is undefined for an untagged string (a test forbids those). */
export function fieldsOf(schema: z.ZodType, path = ''): { path: string; tag: FieldTag | undefined }[] {
  const tag = FIELD_TAGS.get(schema);
  if (tag) return [{ path, tag }];
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return Object.entries(s.shape as Record<string, z.ZodType>).flatMap(([k, v]) => fieldsOf(v, path ? `${path}.${k}` : k));
  if (s instanceof z.ZodArray) return fieldsOf(s.element as z.ZodType, `${path}[]`);
  return [{ path, tag: tagOf(s) }];
}

/**
 * Rebuilds `value` with every tagged leaf passed through `fn` (objects and arrays are copied,
 * untouched leaves kept). Used by pseudonymisation and by fencing of untrusted text.
 */
export function mapFields(
  schema: z.ZodType,
  value: unknown,
  fn: (tag: FieldTag, leaf: unknown, path: string) => unknown,
  path = '',
  /** Subtrees to keep as they are, neither walked nor copied. */
  prune?: (schema: z.ZodType) => boolean,
): unknown {
  if (value === null || value === undefined || prune?.(schema)) return value;
  const tag = FIELD_TAGS.get(schema);
  if (tag) return fn(tag, value, path);
  const s = unwrap(schema);
  if (s instanceof z.ZodObject && typeof value === 'object') {
    const shape = s.shape as Record<string, z.ZodType>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const child = shape[k];
      out[k] = child ? mapFields(child, v, fn, path ? `${path}.${k}` : k, prune) : v;
    }
    return out;
  }
  if (s instanceof z.ZodArray && Array.isArray(value)) {
    const element = s.element as z.ZodType;
    return value.map((v) => mapFields(element, v, fn, `${path}[]`, prune));
  }
  const leafTag = tagOf(s);
  return leafTag ? fn(leafTag, value, path) : value;
}

const UNTRUSTED_BELOW = new WeakMap<z.ZodType, boolean>();

/** Whether a leaf at or below `schema` is tagged untrusted; computed once per schema. */
function untrustedBelow(schema: z.ZodType): boolean {
  let below = UNTRUSTED_BELOW.get(schema);
  if (below === undefined) UNTRUSTED_BELOW.set(schema, (below = fieldsOf(schema).some((f) => f.tag?.untrusted === true)));
  return below;
}

/**
 * mapFields for the untrusted leaves only: each passed through `fn`, and every object or array
 * without one below it kept as it is rather than walked and copied. What a tool result's text
 * needs on every call (render.ts), where walking a list of a hundred entries field by field cost
 * five times serialising it.
 */
export function mapUntrusted(schema: z.ZodType, value: unknown, fn: (leaf: unknown) => unknown): unknown {
  return mapFields(schema, value, (tag, leaf) => (tag.untrusted ? fn(leaf) : leaf), '', (s) => !untrustedBelow(s));
}
