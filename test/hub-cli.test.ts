/**
 * The hub CLI against a running hub on the embedded database: the data folder is locked
 * to the running hub, and admin commands reach it through its local socket.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSocketPath, connectAdminSocket } from '../hub/src/db/admin-socket.js';
import type { Db } from '../hub/src/db/types.js';
import { runHubCli, spawnHub, type HubProcess } from './harness/hub.js';

describe('hub CLI on the embedded database while a hub runs', () => {
  let hub: HubProcess;
  beforeAll(async () => {
    hub = await spawnHub({ driver: 'pglite' });
  });
  afterAll(async () => hub?.stop());

  it('runs admin commands through the running hub and mints a token the hub accepts', async () => {
    await hub.cli(['tenant', 'create', 'cli-t', 'CLI Tenant']);
    await hub.cli(['tenant', 'enable', 'cli-t']);
    expect(await hub.cli(['user', 'add', 'ops@cli.example', '--tenant', 'cli-t', '--role', 'admin'])).toContain('created ops@cli.example');
    const token = (await hub.cli(['token', 'issue', '--tenant', 'cli-t', '--user', 'ops@cli.example'])).trim();
    expect(token).toMatch(/^mat_[A-Za-z0-9_-]{43}$/);
    // The token authenticates: a route answers something other than 401.
    const res = await fetch(`${hub.url}/v1/kpi-summary`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).not.toBe(401);
    expect(await hub.cli(['token', 'revoke'], token)).toContain('revoked');
    const after = await fetch(`${hub.url}/v1/kpi-summary`, { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
  });

  it('keeps the admin socket private to its owner', () => {
    expect(statSync(adminSocketPath(hub.dataDir!)).mode & 0o777).toBe(0o600);
  });

  it('rolls back a transaction that fails over the socket', async () => {
    const db: Db = await connectAdminSocket(adminSocketPath(hub.dataDir!));
    try {
      await expect(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO tenants (id, slug, name) VALUES ('00000000-0000-4000-8000-0000000000aa', 'tx-t', 'T')");
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const r = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM tenants WHERE slug = 'tx-t'");
      expect(r.rows[0]!.n).toBe(0);
      const bad = db.query('SELECT * FROM no_such_table');
      await expect(bad).rejects.toThrow(/no_such_table/);
    } finally {
      await db.close();
    }
  });

  it('refuses a second hub on the same folder with a clear message', async () => {
    await expect(runHubCli(['serve', '--port', '0'], { DATA_DIR: hub.dataDir! })).rejects.toThrow(/in use by another hub process/);
  });

  it('rejects bad CLI input with a clear error', async () => {
    await expect(hub.cli(['token', 'issue', '--tenant', 'nope', '--user', 'ops@cli.example'])).rejects.toThrow(/No tenant with slug "nope"/);
    await expect(hub.cli(['token', 'issue', '--tenant', 'cli-t', '--user', 'ops@cli.example', '--scope', 'mcp.admin'])).rejects.toThrow(
      /Allowed choices are mcp.read, mcp.acknowledge/,
    );
    await expect(hub.cli(['user', 'add', 'not-an-email', '--tenant', 'cli-t'])).rejects.toThrow(/is not an e-mail address/);
  });
});
