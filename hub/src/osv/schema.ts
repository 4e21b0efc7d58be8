/**
 * The fields of an OSV record that the import uses, validated with zod; other fields pass
 * through untouched. @see https://ossf.github.io/osv-schema/ (OSV schema 1.6)
 */
import { z } from 'zod';

const Event = z.union([
  z.object({ introduced: z.string().min(1) }),
  z.object({ fixed: z.string().min(1) }),
  z.object({ last_affected: z.string().min(1) }),
  z.object({ limit: z.string().min(1) }),
]);

const Range = z.looseObject({
  type: z.string(), // ECOSYSTEM, SEMVER or GIT: only ECOSYSTEM ranges are used for OS packages
  events: z.array(Event),
});

const Affected = z.looseObject({
  package: z.looseObject({ ecosystem: z.string().min(1), name: z.string().min(1) }).optional(),
  ranges: z.array(Range).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: z.record(z.string(), z.unknown()).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

export const OsvRecord = z.looseObject({
  id: z.string().min(1).max(200),
  modified: z.string().optional(),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  upstream: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(z.looseObject({ type: z.string(), score: z.string() })).optional(),
  affected: z.array(Affected).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});
export type OsvRecord = z.infer<typeof OsvRecord>;
export type OsvEvent = z.infer<typeof Event>;
