-- 001: the fleet data, the call log and the access-token table.
-- Every tenant-owned table carries tenant_id first in its key and its indexes,
-- so the schema can be distributed by tenant_id (e.g. Citus) without changes.

CREATE TABLE tenants (
  id            uuid PRIMARY KEY,
  slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name          text NOT NULL,
  mcp_enabled   boolean NOT NULL DEFAULT false,   -- per-tenant opt-in to the connector
  pseudonymize  boolean NOT NULL DEFAULT false,   -- sovereignty mode (identifiers replaced in tool output)
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id             uuid PRIMARY KEY,
  email          text NOT NULL UNIQUE CHECK (email = lower(email)),
  name           text NOT NULL,
  password_hash  text,                            -- scrypt, see hub/src/auth/passwords.ts
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
  PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE agents (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  hostname        text NOT NULL,
  ip              text NOT NULL,
  country_code    text,
  os              text NOT NULL,
  os_family       text NOT NULL CHECK (os_family IN ('debian', 'rhel', 'alpine', 'suse')),
  kernel_version  text NOT NULL,
  tags            text[] NOT NULL DEFAULT '{}',
  status          text NOT NULL CHECK (status IN ('online', 'offline', 'degraded')),
  cpu_pct         real NOT NULL DEFAULT 0,
  mem_pct         real NOT NULL DEFAULT 0,
  disk_pct        real NOT NULL DEFAULT 0,
  last_seen_at    timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX agents_id ON agents (id);
CREATE INDEX agents_hostname ON agents (tenant_id, hostname);
CREATE INDEX agents_status ON agents (tenant_id, status);
CREATE INDEX agents_tags ON agents USING gin (tags);

CREATE TABLE alerts (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid NOT NULL,
  agent_id     uuid NOT NULL,
  severity     text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
  category     text NOT NULL CHECK (category IN ('malware', 'intrusion', 'vulnerability', 'configuration', 'availability', 'compliance')),
  title        text NOT NULL,
  description  text NOT NULL,
  status       text NOT NULL CHECK (status IN ('open', 'resolved')),
  created_at   timestamptz NOT NULL,
  resolved_at  timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX alerts_open ON alerts (tenant_id, created_at DESC) WHERE status = 'open';
CREATE INDEX alerts_open_severity ON alerts (tenant_id, severity, created_at DESC) WHERE status = 'open';
CREATE INDEX alerts_agent ON alerts (tenant_id, agent_id, created_at DESC);

CREATE TABLE detected_events (
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id               uuid NOT NULL,
  agent_id         uuid NOT NULL,
  kind             text NOT NULL,
  severity         text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
  title            text NOT NULL,
  description      text NOT NULL,
  src_ip           text,
  src_country      text,
  target_user      text,
  process_cmdline  text,      -- attacker-controlled text
  user_agent       text,      -- attacker-controlled text
  detected_at      timestamptz NOT NULL,
  acked_at         timestamptz,
  acked_by         uuid REFERENCES users(id),
  ack_note         text,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX detections_time ON detected_events (tenant_id, detected_at DESC);
CREATE INDEX detections_open ON detected_events (tenant_id, detected_at DESC) WHERE acked_at IS NULL;
CREATE INDEX detections_src_ip ON detected_events (tenant_id, src_ip, detected_at DESC);
CREATE INDEX detections_kind ON detected_events (tenant_id, kind, detected_at DESC);
CREATE INDEX detections_agent ON detected_events (tenant_id, agent_id, detected_at DESC);
CREATE INDEX detections_target_user ON detected_events (tenant_id, target_user, detected_at DESC);

CREATE TABLE auth_events (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id            uuid NOT NULL,
  agent_id      uuid NOT NULL,
  occurred_at   timestamptz NOT NULL,
  username      text NOT NULL,
  src_ip        text NOT NULL,
  src_country   text,
  method        text NOT NULL CHECK (method IN ('ssh_password', 'ssh_key', 'sudo', 'rdp', 'web')),
  success       boolean NOT NULL,
  detection_id  uuid,          -- set when an agent or the detector linked it to a detection
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX auth_events_src_ip ON auth_events (tenant_id, src_ip, occurred_at);
CREATE INDEX auth_events_username ON auth_events (tenant_id, username, occurred_at);
CREATE INDEX auth_events_detection ON auth_events (tenant_id, detection_id) WHERE detection_id IS NOT NULL;

-- Vulnerability advisories are global (OSV.dev publishes them for everyone);
-- what is tenant-owned is the inventory and the matches against it.
CREATE TABLE vuln_advisories (
  id            text PRIMARY KEY,              -- OSV id, e.g. DSA-5678-1, or the CVE id
  cve_id        text NOT NULL,
  ecosystem     text NOT NULL CHECK (ecosystem IN ('apt', 'dnf', 'apk', 'zypper')),
  package       text NOT NULL,
  is_kernel     boolean NOT NULL DEFAULT false,
  severity      text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
  cvss          real,
  summary       text NOT NULL,
  fixed_version text,
  published_at  timestamptz,
  withdrawn_at  timestamptz
);
CREATE INDEX vuln_advisories_cve ON vuln_advisories (cve_id);

CREATE TABLE agent_packages (
  tenant_id  uuid NOT NULL,
  agent_id   uuid NOT NULL,
  ecosystem  text NOT NULL CHECK (ecosystem IN ('apt', 'dnf', 'apk', 'zypper')),
  name       text NOT NULL,
  version    text NOT NULL,
  PRIMARY KEY (tenant_id, agent_id, ecosystem, name),
  FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);

-- One row per (host, advisory) that is open on that host.
CREATE TABLE vuln_matches (
  tenant_id          uuid NOT NULL,
  agent_id           uuid NOT NULL,
  advisory_id        text NOT NULL REFERENCES vuln_advisories(id) ON DELETE CASCADE,
  installed_version  text NOT NULL,
  first_seen_at      timestamptz NOT NULL DEFAULT now(),
  resolved_at        timestamptz,
  PRIMARY KEY (tenant_id, agent_id, advisory_id),
  FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX vuln_matches_open ON vuln_matches (tenant_id, advisory_id) WHERE resolved_at IS NULL;

CREATE TABLE sla_targets (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid NOT NULL,
  name         text NOT NULL,
  service      text NOT NULL,
  target_pct   numeric(6,3) NOT NULL CHECK (target_pct > 0 AND target_pct < 100),
  window_days  integer NOT NULL CHECK (window_days BETWEEN 1 AND 365),
  PRIMARY KEY (tenant_id, id)
);

-- Hourly buckets of good/total events per target.
CREATE TABLE sla_observations (
  tenant_id    uuid NOT NULL,
  target_id    uuid NOT NULL,
  bucket_at    timestamptz NOT NULL,
  good         bigint NOT NULL CHECK (good >= 0),
  total        bigint NOT NULL CHECK (total >= good),
  PRIMARY KEY (tenant_id, target_id, bucket_at),
  FOREIGN KEY (tenant_id, target_id) REFERENCES sla_targets (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE trust_score_history (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  day         date NOT NULL,
  score       integer NOT NULL CHECK (score BETWEEN 0 AND 100),
  components  jsonb NOT NULL,
  PRIMARY KEY (tenant_id, day)
);

CREATE TABLE audit_log (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id             uuid NOT NULL,
  occurred_at    timestamptz NOT NULL DEFAULT now(),
  event_type     text NOT NULL,
  actor_user_id  uuid,
  actor_email    text,
  target_type    text,
  target_id      text,
  metadata       jsonb NOT NULL DEFAULT '{}',
  body           text,          -- raw body; never leaves the hub (the product page promises this)
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_time ON audit_log (tenant_id, occurred_at DESC);
CREATE INDEX audit_log_type ON audit_log (tenant_id, event_type, occurred_at DESC);

-- Every tool call through any door. Raw arguments are never stored: only their SHA-256.
CREATE TABLE mcp_call_log (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id             uuid NOT NULL,
  called_at      timestamptz NOT NULL DEFAULT now(),
  tool_name      text NOT NULL,
  door           text NOT NULL CHECK (door IN ('rest', 'mcp')),
  user_id        uuid NOT NULL,
  actor_email    text NOT NULL,
  client_id      text,
  args_sha256    text NOT NULL CHECK (args_sha256 ~ '^[0-9a-f]{64}$'),
  duration_ms    real NOT NULL,
  result_status  text NOT NULL,   -- 'ok' or an error code such as 'not_found'
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX mcp_call_log_time ON mcp_call_log (tenant_id, called_at DESC);

-- Access tokens (`mat_…`). Only the SHA-256 of the token value is stored.
-- The product page's revocation SQL works as written:
--   UPDATE mcp_access_tokens SET revoked_at=NOW() WHERE user_id='<uuid>'
CREATE TABLE mcp_access_tokens (
  id            uuid PRIMARY KEY,
  token_sha256  text NOT NULL UNIQUE,
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id       uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id     text,                   -- OAuth client; null for tokens minted by `hub token issue`
  grant_id      text,                   -- the OAuth grant, the unit of revocation
  scopes        text[] NOT NULL,
  audience      text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX mcp_access_tokens_user ON mcp_access_tokens (user_id);
CREATE INDEX mcp_access_tokens_grant ON mcp_access_tokens (grant_id) WHERE grant_id IS NOT NULL;
