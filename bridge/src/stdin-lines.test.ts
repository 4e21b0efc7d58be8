/** LineLimit: whole lines through, lines over the limit dropped wherever the chunks split them. */
import { describe, expect, it } from 'vitest';
import { LineLimit } from './stdin-lines.js';

async function run(chunks: string[], max: number): Promise<{ out: string; dropped: number }> {
  let dropped = 0;
  const t = new LineLimit(max, () => dropped++);
  const out: Buffer[] = [];
  t.on('data', (d: Buffer) => out.push(d));
  const ended = new Promise((r) => t.on('end', r));
  for (const c of chunks) t.write(Buffer.from(c));
  t.end();
  await ended;
  return { out: Buffer.concat(out).toString(), dropped };
}

describe('LineLimit', () => {
  it('passes whole lines, across and within chunks, with CRLF kept for the transport', async () => {
    expect(await run(['{"a":1}\n{"b"', ':2}\r\n{"c":3}\n'], 100)).toEqual({ out: '{"a":1}\n{"b":2}\r\n{"c":3}\n', dropped: 0 });
  });

  it('holds back a partial line until its newline, and drops one that never ends', async () => {
    expect(await run(['abc', 'def'], 100)).toEqual({ out: '', dropped: 0 });
  });

  it('drops a line over the limit, split or not, and keeps the lines around it', async () => {
    expect(await run(['ok1\n', 'x'.repeat(6), 'x'.repeat(6), '\nok2\n'], 10)).toEqual({ out: 'ok1\nok2\n', dropped: 1 });
    expect(await run([`ok1\n${'y'.repeat(11)}\nok2\n`], 10)).toEqual({ out: 'ok1\nok2\n', dropped: 1 });
  });

  it('accepts a line of exactly the limit', async () => {
    expect(await run([`${'z'.repeat(10)}\n`], 10)).toEqual({ out: `${'z'.repeat(10)}\n`, dropped: 0 });
  });
});
