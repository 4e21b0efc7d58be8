-- 003: sovereignty mode. With tenants.pseudonymize on, tool outputs carry pseudonyms instead of
-- hostnames, IPs, user names and e-mail addresses. A pseudonym is an HMAC of the value under the
-- tenant's own key, so it is stable across answers; this table maps it back when the model passes
-- one as an argument (e.g. src_ip = 'ip-3f9a…'). It never leaves the hub.

ALTER TABLE tenants ADD COLUMN pseudonym_key bytea;

CREATE TABLE pseudonyms (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  token       text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('hostname', 'ip', 'user', 'email')),
  value       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, token)
);
