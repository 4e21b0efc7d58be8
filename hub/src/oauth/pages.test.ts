import { describe, expect, it } from 'vitest';
import { consentPage, type ConsentTenant } from './pages.js';

const tenant = (slug: string, over: Partial<ConsentTenant> = {}): ConsentTenant => ({ id: `id-${slug}`, name: slug.toUpperCase(), slug, role: 'analyst', mcpEnabled: true, grantable: ['mcp.read'], ...over });
const page = (tenants: ConsentTenant[], tenantHint?: string) =>
  consentPage({ action: '/x', csrf: 'c', clientName: 'bridge', clientHost: '127.0.0.1', redirectHost: '127.0.0.1', email: 'a@b.c', tenants, tenantHint, scopes: [], dataFlow: [] });
const checked = (html: string) => /value="([^"]+)" id="tenant-\d+" checked/.exec(html)?.[1];

describe('consent page tenant choice', () => {
  it('preselects the tenant the client asked for (tenant_hint)', () => {
    expect(checked(page([tenant('acme'), tenant('eu-bank')], 'eu-bank'))).toBe('id-eu-bank');
  });

  it('falls back to the first usable tenant for an unknown hint, or one the user cannot grant', () => {
    expect(checked(page([tenant('acme'), tenant('eu-bank')], 'globex'))).toBe('id-acme');
    expect(checked(page([tenant('acme'), tenant('eu-bank', { mcpEnabled: false })], 'eu-bank'))).toBe('id-acme');
    expect(checked(page([tenant('acme'), tenant('eu-bank')]))).toBe('id-acme');
  });
});
