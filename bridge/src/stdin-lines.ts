/**
 * Stdin for `serve`, cut into whole lines of bounded size before the SDK's StdioServerTransport
 * reads them. That transport buffers stdin until a newline and, once its buffer passes 10 MiB,
 * closes itself: the bridge then exited without a word and Claude Desktop lost its tools (found by
 * test/bridge-faults.test.ts with an 11 MiB line). Here a line over the limit is dropped, said so
 * on stderr, and the stream goes on. MCP's stdio transport delimits messages by newlines and
 * messages contain none (@see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#stdio).
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Tool arguments are small (the hub takes request bodies of tens of KiB); 4 MiB is a wide margin, under the SDK's 10 MiB. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export class LineLimit extends Transform {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(
    private readonly maxLineBytes = MAX_LINE_BYTES,
    private readonly onDropped: () => void = () => undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      this.add(chunk.subarray(start, nl + 1));
      this.endLine();
      start = nl + 1;
    }
    if (start < chunk.length) this.add(chunk.subarray(start));
    done();
  }

  /** A last line without a newline is never a message (the transport would not parse it either). */
  override _flush(done: TransformCallback): void {
    this.parts = [];
    done();
  }

  private add(piece: Buffer): void {
    if (this.skipping) return;
    this.size += piece.length;
    // The limit counts the message, not its newline.
    if (this.size - (piece.at(-1) === 0x0a ? 1 : 0) > this.maxLineBytes) {
      this.parts = [];
      this.skipping = true;
      this.onDropped();
      return;
    }
    this.parts.push(piece);
  }

  private endLine(): void {
    if (!this.skipping && this.parts.length) this.push(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts));
    this.parts = [];
    this.size = 0;
    this.skipping = false;
  }
}
