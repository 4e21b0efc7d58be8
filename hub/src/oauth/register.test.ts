/** Registration rules: redirect URIs and the normalised request the provider sees. */
import { describe, expect, it } from 'vitest';
import { dataFlowFor, grantableScopes, minRoleForScope } from './authorize.js';
import { isLoopbackRedirect, normaliseRegistration, validateRedirectUris } from './register.js';
import { matchResource } from './provider.js';
import { CATALOGUE, DATA_KINDS } from '../../../shared/index.js';

describe('redirect URIs', () => {
  it('accepts https and loopback http', () => {
    const ok = ['https://claude.ai/api/mcp/auth_callback', 'http://127.0.0.1:33418/cb', 'http://localhost:8080/cb', 'http://[::1]:9/cb'];
    expect(validateRedirectUris(ok)).toEqual(ok);
  });
  it.each(['http://example.com/cb', 'https://a.example/cb#f', 'myapp://cb', 'ftp://a.example/', 'https://u:p@a.example/cb', '/relative'])('refuses %s', (u) => {
    expect(() => validateRedirectUris([u])).toThrow();
  });
  it('knows loopback redirects', () => {
    expect(isLoopbackRedirect('http://127.0.0.1:1/cb')).toBe(true);
    expect(isLoopbackRedirect('https://127.0.0.1/cb')).toBe(false);
  });
});

describe('normaliseRegistration', () => {
  it('makes every client public with code + refresh, native when loopback-only, and drops secrets', () => {
    const { metadata } = normaliseRegistration({ redirect_uris: ['http://localhost:8080/cb'], token_endpoint_auth_method: 'client_secret_basic', client_secret: 'x' });
    expect(metadata).toMatchObject({ token_endpoint_auth_method: 'none', application_type: 'native', response_types: ['code'], grant_types: ['authorization_code', 'refresh_token'] });
    expect(metadata).not.toHaveProperty('client_secret');
  });
  it('registers the supported scope values, drops unknown ones, and keeps scope out of the provider metadata', () => {
    const both = normaliseRegistration({ redirect_uris: ['https://a.example/cb'], scope: 'mcp.acknowledge claudeai mcp.read offline_access' });
    expect(both.scope).toBe('mcp.read mcp.acknowledge');
    expect(both.metadata).not.toHaveProperty('scope');
    expect(normaliseRegistration({ redirect_uris: ['https://a.example/cb'], scope: 'claudeai' }).scope).toBeUndefined();
    expect(normaliseRegistration({ redirect_uris: ['https://a.example/cb'] }).scope).toBeUndefined();
    expect(() => normaliseRegistration({ redirect_uris: ['https://a.example/cb'], scope: ['mcp.read'] })).toThrow(/scope must be a string/);
  });
  it('refuses implicit and client_credentials', () => {
    expect(() => normaliseRegistration({ redirect_uris: ['https://a.example/cb'], grant_types: ['implicit'] })).toThrow(/unsupported grant_types/);
    expect(() => normaliseRegistration({ redirect_uris: ['https://a.example/cb'], response_types: ['token'] })).toThrow();
  });
});

describe('consent derivations (from the catalogue)', () => {
  it('mcp.acknowledge needs the role of the acknowledge tool; a viewer gets mcp.read only', () => {
    const ack = CATALOGUE.find((t) => t.scope === 'mcp.acknowledge')!;
    expect(minRoleForScope('mcp.acknowledge')).toBe(ack.minRole);
    expect(grantableScopes('viewer', ['mcp.read', 'mcp.acknowledge'])).toEqual(['mcp.read']);
    expect(grantableScopes('admin', ['mcp.read', 'mcp.acknowledge', 'other'])).toEqual(['mcp.read', 'mcp.acknowledge']);
  });
  it('lists exactly the data kinds of the tools the scopes open', () => {
    const kinds = new Set(CATALOGUE.filter((t) => t.scope === 'mcp.read').flatMap((t) => t.dataFlow));
    expect(dataFlowFor(['mcp.read'])).toEqual(Object.entries(DATA_KINDS).filter(([k]) => kinds.has(k as never)).map(([, v]) => v));
    expect(dataFlowFor([])).toEqual([]);
  });
});

describe('resources (RFC 8707)', () => {
  it('accepts the hub, /mcp and /v1 (trailing slash ignored), nothing else', () => {
    const iss = 'https://api.monsys.ai';
    expect(matchResource(iss, 'https://api.monsys.ai/mcp/')).toBe('https://api.monsys.ai/mcp');
    expect(matchResource(iss, 'https://api.monsys.ai/')).toBe('https://api.monsys.ai');
    expect(matchResource(iss, 'https://api.monsys.ai/v1')).toBe('https://api.monsys.ai/v1');
    expect(matchResource(iss, 'https://evil.example/mcp')).toBeUndefined();
    expect(matchResource(iss, 'https://api.monsys.ai/other')).toBeUndefined();
  });
});
