-- 002: the OAuth 2.1 authorization server's state (hub/src/oauth/, oidc-provider models).
-- Access tokens are not here: they live only in mcp_access_tokens (001), so the REST API,
-- /mcp and the product page's revocation SQL see every OAuth token.
-- Whatever is a credential (authorization codes, refresh tokens, browser session and
-- interaction ids) is stored only as the SHA-256 of its value; the value itself is
-- removed from the stored payload. Every row has an expiry; expired rows are never
-- returned and are swept by the hub.

-- Registered clients (RFC 7591, ids `mcp_…`) and cached Client ID Metadata Documents
-- (client_id is then the https URL of the document; expires_at is the cache expiry).
CREATE TABLE oauth_clients (
  client_id    text PRIMARY KEY,
  source       text NOT NULL CHECK (source IN ('registration', 'metadata_document')),
  client_name  text,
  metadata     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz                        -- null: registered clients do not expire
);

-- One grant per approved consent: the unit of revocation. Bound to the user and the
-- tenant chosen on the consent page; every token issued under it carries that tenant.
CREATE TABLE oauth_grants (
  id          text PRIMARY KEY,
  tenant_id   uuid REFERENCES tenants(id) ON DELETE CASCADE,   -- set by the consent step right after creation
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id   text NOT NULL,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX oauth_grants_user ON oauth_grants (user_id);

-- Authorization codes: single use (consumed_at), about a minute.
CREATE TABLE oauth_codes (
  code_sha256  text PRIMARY KEY,
  grant_id     text NOT NULL,
  client_id    text NOT NULL,
  payload      jsonb NOT NULL,
  expires_at   timestamptz NOT NULL,
  consumed_at  timestamptz
);
CREATE INDEX oauth_codes_grant ON oauth_codes (grant_id);

-- Refresh tokens (`mrt_…`): rotated on every use; consumed_at marks the rotated ones,
-- whose reuse (after a few seconds' grace) revokes the whole grant.
CREATE TABLE oauth_refresh_tokens (
  token_sha256  text PRIMARY KEY,
  grant_id      text NOT NULL,
  client_id     text NOT NULL,
  user_id       uuid NOT NULL,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  consumed_at   timestamptz
);
CREATE INDEX oauth_refresh_tokens_grant ON oauth_refresh_tokens (grant_id);

-- oidc-provider's browser sessions (`_session` cookie) and interactions (`_interaction` cookie).
CREATE TABLE oauth_sessions (
  id_sha256   text PRIMARY KEY,
  uid         text NOT NULL UNIQUE,
  account_id  text,
  payload     jsonb NOT NULL,
  expires_at  timestamptz NOT NULL
);

CREATE TABLE oauth_interactions (
  id_sha256   text PRIMARY KEY,
  payload     jsonb NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- Any other oidc-provider model the configuration may touch (e.g. ReplayDetection).
CREATE TABLE oauth_misc (
  model       text NOT NULL,
  id_sha256   text NOT NULL,
  grant_id    text,
  payload     jsonb NOT NULL,
  expires_at  timestamptz NOT NULL,
  consumed_at timestamptz,
  PRIMARY KEY (model, id_sha256)
);

-- The hub's own sign-in (login page, /settings/mcp-tokens): `monsys_session` cookie.
CREATE TABLE web_sessions (
  id_sha256   text PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- Fixed-window counters for rate limits (logins, registrations), shared by all hub instances.
CREATE TABLE rate_limits (
  bucket        text NOT NULL,
  window_start  timestamptz NOT NULL,
  hits          integer NOT NULL,
  PRIMARY KEY (bucket, window_start)
);

-- Server secrets shared by every hub instance (the cookie-signing key), made once on first start.
CREATE TABLE oauth_secrets (
  name        text PRIMARY KEY,
  value       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
