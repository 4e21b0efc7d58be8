/**
 * The bridge's non-secret memory: the OAuth client registered at each hub (RFC 7591), so that
 * every login does not register a new client; and the tenant each profile is bound to. Public clients have no secret; a client id is
 * not a credential, so a plain JSON file is fine here (tokens never go in it).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from './files.js';

export interface Registration {
  client_id: string;
  redirect_uris: string[];
  registered_at: string;
}

interface StateFile {
  version: 1;
  registrations: Record<string, Registration>;
  /** Tenant slug per `<hub> <profile>`: a profile serves this tenant only. */
  tenants?: Record<string, string>;
}

export class BridgeState {
  private readonly file: string;
  constructor(private readonly dir: string) {
    this.file = join(dir, 'state.json');
  }

  private read(): StateFile {
    try {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as StateFile;
      if (s && s.version === 1 && s.registrations && typeof s.registrations === 'object') return s;
    } catch {
      // Missing or damaged: start afresh; the worst case is one more registration.
    }
    return { version: 1, registrations: {} };
  }

  private write(s: StateFile): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writePrivateFile(this.file, JSON.stringify(s, null, 2) + '\n');
  }

  registration(hub: string): Registration | undefined {
    return this.read().registrations[hub];
  }

  saveRegistration(hub: string, r: Registration): void {
    const s = this.read();
    s.registrations[hub] = r;
    this.write(s);
  }

  tenantOf(hub: string, profile: string): string | undefined {
    return this.read().tenants?.[`${hub} ${profile}`];
  }

  bindTenant(hub: string, profile: string, tenant: string): void {
    const s = this.read();
    if (s.tenants?.[`${hub} ${profile}`] === tenant) return;
    s.tenants = { ...s.tenants, [`${hub} ${profile}`]: tenant };
    this.write(s);
  }

  unbindTenant(hub: string, profile: string): void {
    const s = this.read();
    if (!s.tenants?.[`${hub} ${profile}`]) return;
    delete s.tenants[`${hub} ${profile}`];
    this.write(s);
  }

  forgetRegistration(hub: string): void {
    const s = this.read();
    if (!s.registrations[hub]) return;
    delete s.registrations[hub];
    this.write(s);
  }
}
