/** CLI commands for fleet data in (issue #9): enrollment tokens and OSV import. */
import type { Command } from 'commander';

export function registerIngest(_program: Command): void {
  // Filled in by the ingest work.
}
