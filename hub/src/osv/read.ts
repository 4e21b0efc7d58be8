/**
 * Where OSV records come from: a folder of `*.json` files (searched recursively) or a `.zip` of
 * them, as OSV.dev publishes each ecosystem (`<ecosystem>/all.zip`). Yields one parsed JSON value
 * per file, or the reason it could not be read, so one bad file does not stop an import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { zipEntries } from './zip.js';

export type SourceItem = { file: string; json: unknown } | { file: string; error: string };

function parse(file: string, text: string): SourceItem {
  try {
    return { file, json: JSON.parse(text) as unknown };
  } catch {
    return { file, error: 'not valid JSON' };
  }
}

export function* readOsvSource(path: string): Generator<SourceItem> {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path, { recursive: true, encoding: 'utf8' }).sort()) {
      const full = join(path, name);
      if (name.endsWith('.json')) yield parse(name, readFileSync(full, 'utf8'));
      else if (name.endsWith('.zip') && statSync(full).isFile()) yield* fromZip(full, name);
    }
  } else if (path.endsWith('.zip')) {
    yield* fromZip(path, '');
  } else {
    yield parse(path, readFileSync(path, 'utf8'));
  }
}

function* fromZip(path: string, label: string): Generator<SourceItem> {
  for (const entry of zipEntries(readFileSync(path))) {
    if (!entry.name.endsWith('.json')) continue;
    const file = label ? `${label}:${entry.name}` : entry.name;
    let text: string;
    try {
      text = entry.read().toString('utf8');
    } catch (err) {
      yield { file, error: (err as Error).message };
      continue;
    }
    yield parse(file, text);
  }
}
