/**
 * The embedded database can be open in one process only, so while a hub runs on PGlite the
 * hub CLI (`hub token issue`, `hub user add`, …) reaches it through this local socket instead.
 *
 * The socket sits beside the data folder with mode 0600, like the folder private to the hub's user
 * (openPglite makes the folder 0700 and its files 0600, and narrows the umask so the socket is
 * never reachable by others, not even between listen and chmod): whoever can use it could read
 * the data folder itself, so it grants nothing new. It is never a network port.
 * Protocol: one JSON object per line. Requests {id, op: 'query'|'exec'|'begin'|'commit'|'rollback', sql?, params?};
 * answers {id, rows?, rowCount?, error?}. A connection holds at most one transaction; closing it rolls back.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Db, Queryable, QueryResult } from './types.js';

interface Request {
  id: number;
  op: 'query' | 'exec' | 'begin' | 'commit' | 'rollback';
  sql?: string;
  params?: unknown[];
}

/** Dates cross the socket tagged, so both sides keep the types the drivers give. */
function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.toISOString() } : v;
  });
}
function decode<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) =>
    v && typeof v === 'object' && '$date' in v && Object.keys(v).length === 1 ? new Date((v as { $date: string }).$date) : v,
  ) as T;
}

export function adminSocketPath(dataDir: string): string {
  return `${dataDir}.sock`;
}

/** Serves `db` on a unix socket for the local CLI. Returns the server to close on shutdown. */
export async function serveAdminSocket(db: Db, path: string): Promise<Server> {
  // A socket file left by a hub that crashed: the data-folder lock already proved no hub runs on it.
  if (existsSync(path)) unlinkSync(path);
  const server = createServer((socket) => handleConnection(db, socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return server;
}

function handleConnection(db: Db, socket: Socket): void {
  // While a transaction is open, requests go to it; `pending` hands them over.
  let tx: { q: Queryable; next: (r: Request) => void; done: Promise<void> } | undefined;
  const reply = (id: number, body: Record<string, unknown>) => socket.write(encode({ id, ...body }) + '\n');
  const fail = (id: number, err: unknown) => reply(id, { error: (err as Error)?.message ?? String(err) });

  const lines = createInterface({ input: socket });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    queue = queue
      .then(() => handle(decode<Request>(line)))
      .catch(() => void socket.destroy());
  });
  socket.on('close', () => tx?.next({ id: -1, op: 'rollback' }));
  socket.on('error', () => {});

  async function handle(r: Request): Promise<void> {
    if (tx) return tx.next(r);
    try {
      if (r.op === 'query') {
        const res = await db.query(r.sql!, r.params);
        reply(r.id, { rows: res.rows, rowCount: res.rowCount });
      } else if (r.op === 'exec') {
        await db.exec(r.sql!);
        reply(r.id, { rowCount: 0 });
      } else if (r.op === 'begin') {
        await openTransaction(r.id);
      } else {
        fail(r.id, new Error(`${r.op} without a transaction`));
      }
    } catch (err) {
      fail(r.id, err);
    }
  }

  async function openTransaction(beginId: number): Promise<void> {
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const inbox: Request[] = [];
    let wake: (() => void) | undefined;
    const current = {
      q: undefined as unknown as Queryable,
      next: (req: Request) => {
        inbox.push(req);
        wake?.();
      },
      done: Promise.resolve(),
    };
    tx = current;
    current.done = db
      .transaction(async (q) => {
        current.q = q;
        started();
        reply(beginId, { rowCount: 0 });
        for (;;) {
          if (!inbox.length) await new Promise<void>((resolve) => (wake = resolve));
          const req = inbox.shift()!;
          if (req.op === 'commit') return req.id;
          if (req.op === 'rollback') throw Object.assign(new Error('rollback'), { replyId: req.id });
          try {
            const res = await q.query(req.sql!, req.params);
            reply(req.id, { rows: res.rows, rowCount: res.rowCount });
          } catch (err) {
            fail(req.id, err);
          }
        }
      })
      .then(
        (commitId) => void reply(commitId, { rowCount: 0 }),
        (err: { replyId?: number }) => {
          if (err.replyId !== undefined && err.replyId >= 0) reply(err.replyId, { rowCount: 0 });
        },
      )
      .finally(() => {
        tx = undefined;
      });
    await ready;
  }
}

/** The CLI side: a Db whose statements run in the hub process that holds the embedded database. */
export async function connectAdminSocket(path: string): Promise<Db> {
  const socket = createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: QueryResult<never>) => void; reject: (e: Error) => void }>();
  createInterface({ input: socket }).on('line', (line) => {
    const m = decode<{ id: number; rows?: never[]; rowCount?: number; error?: string }>(line);
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve({ rows: m.rows ?? [], rowCount: m.rowCount ?? 0 });
  });
  socket.on('close', () => {
    for (const w of waiting.values()) w.reject(new Error('the hub closed its admin socket'));
    waiting.clear();
  });
  const send = <T>(r: Omit<Request, 'id'>): Promise<QueryResult<T>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (v: QueryResult<never>) => void, reject });
      socket.write(encode({ id, ...r }) + '\n');
    });
  const q: Queryable = { query: (sql, params) => send({ op: 'query', sql, params }) };
  return {
    driver: 'pglite',
    query: q.query,
    async exec(sql) {
      await send({ op: 'exec', sql });
    },
    async transaction(fn) {
      await send({ op: 'begin' });
      try {
        const result = await fn(q);
        await send({ op: 'commit' });
        return result;
      } catch (err) {
        await send({ op: 'rollback' }).catch(() => {});
        throw err;
      }
    },
    async close() {
      socket.end();
    },
  };
}
