-- 004: fleet data in. Agents authenticate with per-agent enrollment tokens (`men_…`) and push
-- heartbeats, package inventories and events; OSV.dev advisories are imported with their affected
-- version ranges and matched against the inventories with each ecosystem's version ordering.

-- Enrollment tokens: only the SHA-256 of the value is stored, like mcp_access_tokens. A token is
-- bound to one tenant when issued and to one agent id on its first use (agent_id), so a token
-- copied off one host cannot speak for another.
CREATE TABLE enrollment_tokens (
  id            uuid PRIMARY KEY,
  token_sha256  text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name          text NOT NULL,
  agent_id      uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX enrollment_tokens_tenant ON enrollment_tokens (tenant_id, created_at);

-- The distribution an agent runs, in the form OSV ecosystems are matched on: distro is a key such
-- as 'debian', 'ubuntu', 'alpine', 'rocky', 'rhel', 'sles', 'opensuse-leap'; distro_release is
-- '12', '22.04', '3.19', '9', '15.5', or NULL for rolling releases.
ALTER TABLE agents ADD COLUMN distro text;
ALTER TABLE agents ADD COLUMN distro_release text;

-- Debian, Ubuntu and Alpine advisories name source packages; the inventory may carry each binary
-- package's source name and version, and matching uses them when present.
ALTER TABLE agent_packages ADD COLUMN source_name text;
ALTER TABLE agent_packages ADD COLUMN source_version text;
CREATE INDEX agent_packages_match ON agent_packages (tenant_id, ecosystem, (coalesce(source_name, name)));

-- One OSV record as last imported. content_sha256 makes a re-import of an unchanged record a no-op;
-- last_import_id tells a full re-import which records the new export no longer contains.
CREATE TABLE osv_records (
  id              text PRIMARY KEY,
  modified_at     timestamptz,
  withdrawn_at    timestamptz,
  distros         text[] NOT NULL DEFAULT '{}',   -- OSV ecosystem names it affects, e.g. {Debian}
  content_sha256  text NOT NULL,
  last_import_id  uuid,
  imported_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX osv_records_distros ON osv_records USING gin (distros);

-- One row per import run: what was read and what it changed.
CREATE TABLE osv_imports (
  id           uuid PRIMARY KEY,
  source       text NOT NULL,
  ecosystems   text[] NOT NULL DEFAULT '{}',
  full_import  boolean NOT NULL DEFAULT false,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  stats        jsonb NOT NULL DEFAULT '{}'
);

-- vuln_advisories rows that come from OSV: one per (record, ecosystem, package, CVE), so the tools
-- can list CVEs per package. ranges holds the affected intervals in that ecosystem's ordering:
-- [{"introduced": "0", "fixed": "1.2-3", "last_affected": null}, …]. Rows without osv_id (the demo
-- seed) are never touched by the matcher.
ALTER TABLE vuln_advisories ADD COLUMN osv_id text REFERENCES osv_records(id) ON DELETE CASCADE;
ALTER TABLE vuln_advisories ADD COLUMN osv_ecosystem text;
ALTER TABLE vuln_advisories ADD COLUMN distro text;
ALTER TABLE vuln_advisories ADD COLUMN distro_release text;
ALTER TABLE vuln_advisories ADD COLUMN ranges jsonb NOT NULL DEFAULT '[]';
CREATE INDEX vuln_advisories_osv ON vuln_advisories (osv_id) WHERE osv_id IS NOT NULL;
CREATE INDEX vuln_advisories_match ON vuln_advisories (ecosystem, package, distro) WHERE osv_id IS NOT NULL AND withdrawn_at IS NULL;
