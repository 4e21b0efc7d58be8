/** Demo data (filled in by the seed work). */
import type { Db } from '../db/types.js';

export interface SeedOptions {
  /** PRNG seed: the same number gives the same data. */
  seed?: number;
  /** Size multiplier for benchmarks: 1 = the demo (hundreds of agents). */
  scale?: number;
  /** Progress lines (to stderr). */
  log?: (line: string) => void;
}

export interface SeedSummary {
  tenants: number;
  users: number;
  agents: number;
  alerts: number;
  detections: number;
  authEvents: number;
  ms: number;
}

/** Demo sign-ins printed by `npm start`. */
export const DEMO_ACCOUNTS: { email: string; password: string; tenants: string[] }[] = [];

export async function seedDemo(_db: Db, _options: SeedOptions = {}): Promise<SeedSummary> {
  throw new Error('seed not implemented yet');
}
