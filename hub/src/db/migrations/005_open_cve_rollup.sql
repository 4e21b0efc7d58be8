-- 005: open CVEs per tenant, kept up to date by triggers, so monsys_list_kernel_cves and
-- monsys_list_os_cves read the tenant's entries in index order instead of grouping every open
-- vuln_matches row of the tenant on each call (docs/performance.md has the measurements).
--
-- Function bodies below keep every semicolon off the end of its line (a comment follows it), so the
-- file also splits correctly with a splitter that does not know dollar quoting.

-- An entry is what vulns.ts grouped by: (cve_id, package) of kernel advisories, (cve_id, package,
-- ecosystem) of the others, over open matches (resolved_at IS NULL) of advisories not withdrawn.
-- ecosystem is '' for kernel entries, which span ecosystems (the kernel tool shows none).
--
-- open_cve_hosts: one row per entry and host it is open on, with the worst severity rank among
-- the entry's advisories open on that host (info 1 … critical 5). Kept so that a change to one
-- host's matches recomputes that host's rows only, never the whole entry's matches.
CREATE TABLE open_cve_hosts (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  package    text NOT NULL,
  cve_id     text NOT NULL,
  agent_id   uuid NOT NULL,
  is_kernel  boolean NOT NULL,
  ecosystem  text NOT NULL CHECK ((ecosystem = '') = is_kernel),
  sev_rank   smallint NOT NULL CHECK (sev_rank BETWEEN 1 AND 5),
  PRIMARY KEY (tenant_id, package, cve_id, agent_id, is_kernel, ecosystem)
);

-- open_cves: one row per entry and min_severity filter. min_severity filtered advisories before
-- grouping, so an entry's CVSS, summary, fixed version and host count depend on it (a DSA rated
-- critical on two hosts and the CVE's own high advisory on a third: 3 hosts from `high`, 2 from
-- `critical`). So a row aggregates the entry's advisories of rank >= min_rank that are open on a
-- host of the tenant, and exists for min_rank 1 … the entry's worst rank; min_rank 1 is the
-- unfiltered list. affected_hosts counts the entry's open_cve_hosts with sev_rank >= min_rank.
-- cvss is stored rounded, as the tools return and order by it.
CREATE TABLE open_cves (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  package        text NOT NULL,
  cve_id         text NOT NULL,
  is_kernel      boolean NOT NULL,
  min_rank       smallint NOT NULL CHECK (min_rank BETWEEN 1 AND 5),
  ecosystem      text NOT NULL CHECK ((ecosystem = '') = is_kernel),
  sev_rank       smallint NOT NULL CHECK (sev_rank BETWEEN min_rank AND 5),
  cvss           double precision,
  summary        text NOT NULL,
  fixed_version  text,
  published_at   timestamptz,
  affected_hosts integer NOT NULL CHECK (affected_hosts > 0),
  -- Leads with (tenant, package, cve): the triggers find a pair's rows by that prefix, and the
  -- package filter of monsys_list_os_cves reads it.
  PRIMARY KEY (tenant_id, package, cve_id, is_kernel, min_rank, ecosystem)
);
-- The tools' order within one list (kernel or OS) and one min_severity; ecosystem last makes ties
-- between one CVE and package in two ecosystems deterministic.
CREATE INDEX open_cves_rank ON open_cves (tenant_id, is_kernel, min_rank, affected_hosts DESC, sev_rank DESC, cvss DESC NULLS LAST, cve_id, package, ecosystem);
CREATE INDEX open_cves_ecosystem ON open_cves (tenant_id, is_kernel, ecosystem, min_rank, affected_hosts DESC, sev_rank DESC, cvss DESC NULLS LAST, cve_id, package);

-- Recomputes the rows of the given keys from vuln_matches and vuln_advisories. A key is
-- (tenant, agent, cve_id, package): that host's open_cve_hosts rows of the pair; with agent NULL
-- (or agent_ids NULL), every host's (an advisory changed, or the backfill below). A pair covers
-- its kernel and OS entries in every ecosystem alike. Then the pairs' open_cves rows: their
-- advisory columns from the advisories open on some host of the tenant (one index probe each),
-- their affected_hosts moved by the host rows removed and written, so a change to one host costs
-- that host's rows, not a recount of the entry's hosts (thousands at 10k hosts).
--
-- Concurrency: two transactions changing matches of one entry on different hosts each see only
-- their own uncommitted rows, and the count each one adjusts must include what the other
-- committed. So the recompute first takes a per-tenant transaction lock, held until commit: the
-- second writer of a tenant waits for the first to commit, and at READ COMMITTED the statements
-- after the lock, being new statements of a VOLATILE function, take a fresh snapshot that
-- includes the first one's rows. Tenants are locked in one order (by key) so writers of several
-- tenants do not deadlock on each other. Under REPEATABLE READ or SERIALIZABLE the snapshot would
-- stay as it was before the wait, and a count adjusted from it could be stale without any error
-- (an entry another writer removed would come back), so those writes are refused. A tenant
-- deleted in this transaction gets no new rows: its old ones cascade from tenants.
CREATE FUNCTION open_cves_refresh(tenant_ids uuid[], agent_ids uuid[], cve_ids text[], packages text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  -- Host count changes per (entry, min_rank): -1 per host row removed, +1 per host row written.
  d_tenant uuid[]; d_package text[]; d_cve text[]; d_kernel boolean[]; d_eco text[]; d_rank int[]; d_n int[]; -- one element per change
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'vuln_matches and vuln_advisories are written at READ COMMITTED (open_cves counts them, migration 005)' USING ERRCODE = 'feature_not_supported'; -- see above
  END IF; -- see above
  PERFORM pg_advisory_xact_lock(5002, l.h) FROM (SELECT DISTINCT hashtext(t::text) AS h FROM unnest(tenant_ids) t ORDER BY 1) l; -- see above
  WITH k AS (SELECT DISTINCT * FROM unnest(tenant_ids, agent_ids, cve_ids, packages) u(tenant_id, agent_id, cve_id, package)),
  one AS (
    DELETE FROM open_cve_hosts h USING k
     WHERE k.agent_id IS NOT NULL AND h.tenant_id = k.tenant_id AND h.package = k.package AND h.cve_id = k.cve_id AND h.agent_id = k.agent_id
    RETURNING h.*
  ),
  every AS (
    DELETE FROM open_cve_hosts h USING k
     WHERE k.agent_id IS NULL AND h.tenant_id = k.tenant_id AND h.package = k.package AND h.cve_id = k.cve_id
    RETURNING h.*
  )
  SELECT array_agg(tenant_id), array_agg(package), array_agg(cve_id), array_agg(is_kernel), array_agg(ecosystem), array_agg(r), array_agg(-n)
    INTO d_tenant, d_package, d_cve, d_kernel, d_eco, d_rank, d_n
    FROM (SELECT g.tenant_id, g.package, g.cve_id, g.is_kernel, g.ecosystem, r, count(*)::int AS n
            FROM (SELECT * FROM one UNION ALL SELECT * FROM every) g JOIN (VALUES (1), (2), (3), (4), (5)) t(r) ON t.r <= g.sev_rank
           GROUP BY 1, 2, 3, 4, 5, 6) x; -- fresh snapshot: after the lock
  -- A host's worst rank per entry, by two scans each through its index: each host's open matches
  -- and their advisories once (vuln_matches and vuln_advisories primary keys), or an advisory's
  -- open matches in the tenant (vuln_matches_open). The first is fenced (MATERIALIZED, LATERAL …
  -- OFFSET 0, filters outside the scans) because a bulk load in one transaction, the seed's, runs
  -- without statistics, and the planner would otherwise walk every open match of the tenant per
  -- host, or read a host's matches once per advisory or per entry.
  WITH k AS (SELECT DISTINCT u.* FROM unnest(tenant_ids, agent_ids, cve_ids, packages) u(tenant_id, agent_id, cve_id, package) JOIN tenants t ON t.id = u.tenant_id),
  hm AS MATERIALIZED (
    SELECT h.tenant_id, h.agent_id, v.cve_id, v.package, v.is_kernel, CASE WHEN v.is_kernel THEN '' ELSE v.ecosystem END AS ecosystem,
           array_position(ARRAY['info','low','medium','high','critical']::text[], v.severity) AS rank
      FROM (SELECT DISTINCT tenant_id, agent_id FROM k WHERE agent_id IS NOT NULL) h
      CROSS JOIN LATERAL (SELECT m.advisory_id, m.resolved_at FROM vuln_matches m WHERE m.tenant_id = h.tenant_id AND m.agent_id = h.agent_id OFFSET 0) m
      CROSS JOIN LATERAL (SELECT v.* FROM vuln_advisories v WHERE v.id = m.advisory_id OFFSET 0) v
     WHERE m.resolved_at IS NULL AND v.withdrawn_at IS NULL
  ),
  made AS (
    INSERT INTO open_cve_hosts (tenant_id, package, cve_id, agent_id, is_kernel, ecosystem, sev_rank)
    SELECT hm.tenant_id, hm.package, hm.cve_id, hm.agent_id, hm.is_kernel, hm.ecosystem, max(hm.rank)
      FROM hm JOIN k ON k.tenant_id = hm.tenant_id AND k.agent_id = hm.agent_id AND k.cve_id = hm.cve_id AND k.package = hm.package
     GROUP BY 1, 2, 3, 4, 5, 6
    UNION
    SELECT m.tenant_id, v.package, v.cve_id, m.agent_id, v.is_kernel, CASE WHEN v.is_kernel THEN '' ELSE v.ecosystem END,
           max(array_position(ARRAY['info','low','medium','high','critical']::text[], v.severity))
      FROM k JOIN vuln_advisories v ON k.agent_id IS NULL AND v.cve_id = k.cve_id AND v.package = k.package AND v.withdrawn_at IS NULL
      JOIN vuln_matches m ON m.tenant_id = k.tenant_id AND m.advisory_id = v.id AND m.resolved_at IS NULL
     GROUP BY 1, 2, 3, 4, 5, 6
    RETURNING *
  )
  SELECT d_tenant || array_agg(tenant_id), d_package || array_agg(package), d_cve || array_agg(cve_id), d_kernel || array_agg(is_kernel),
         d_eco || array_agg(ecosystem), d_rank || array_agg(r), d_n || array_agg(n)
    INTO d_tenant, d_package, d_cve, d_kernel, d_eco, d_rank, d_n
    FROM (SELECT g.tenant_id, g.package, g.cve_id, g.is_kernel, g.ecosystem, r, count(*)::int AS n
            FROM made g JOIN (VALUES (1), (2), (3), (4), (5)) t(r) ON t.r <= g.sev_rank
           GROUP BY 1, 2, 3, 4, 5, 6) x; -- the rows written, as +1s
  -- The pairs' entries: rows left with no host go; the others take the columns of the advisories
  -- open on some host of the tenant (one probe of vuln_matches_open each, LIMIT 1 so that it is
  -- one even without statistics) and their affected_hosts plus the change (read under the tenant
  -- lock, so current). A row with an advisory open but no host would fail affected_hosts > 0: the
  -- two tables cannot drift apart quietly.
  WITH k AS (SELECT DISTINCT u.tenant_id, u.cve_id, u.package FROM unnest(tenant_ids, cve_ids, packages) u(tenant_id, cve_id, package) JOIN tenants t ON t.id = u.tenant_id),
  a AS (
    SELECT k.tenant_id, v.package, v.cve_id, v.is_kernel, r.min_rank, CASE WHEN v.is_kernel THEN '' ELSE v.ecosystem END AS ecosystem,
           max(s.rank) AS sev_rank, round(max(v.cvss)::numeric, 1)::float8 AS cvss, min(v.summary) AS summary,
           max(v.fixed_version) AS fixed_version, min(v.published_at) AS published_at
      FROM k JOIN vuln_advisories v ON v.cve_id = k.cve_id AND v.package = k.package AND v.withdrawn_at IS NULL
      CROSS JOIN LATERAL (SELECT array_position(ARRAY['info','low','medium','high','critical']::text[], v.severity) AS rank) s
      CROSS JOIN LATERAL (SELECT 1 FROM vuln_matches m WHERE m.tenant_id = k.tenant_id AND m.advisory_id = v.id AND m.resolved_at IS NULL LIMIT 1) open
      JOIN (VALUES (1), (2), (3), (4), (5)) r(min_rank) ON r.min_rank <= s.rank
     GROUP BY 1, 2, 3, 4, 5, 6
  ),
  d AS (
    SELECT tenant_id, package, cve_id, is_kernel, ecosystem, min_rank, sum(n)::int AS n
      FROM unnest(d_tenant, d_package, d_cve, d_kernel, d_eco, d_rank, d_n) x(tenant_id, package, cve_id, is_kernel, ecosystem, min_rank, n)
     GROUP BY 1, 2, 3, 4, 5, 6
  ),
  gone AS (
    DELETE FROM open_cves o USING d
     WHERE o.tenant_id = d.tenant_id AND o.package = d.package AND o.cve_id = d.cve_id AND o.is_kernel = d.is_kernel
       AND o.min_rank = d.min_rank AND o.ecosystem = d.ecosystem AND o.affected_hosts + d.n = 0
  )
  INSERT INTO open_cves (tenant_id, package, cve_id, is_kernel, min_rank, ecosystem, sev_rank, cvss, summary, fixed_version, published_at, affected_hosts)
  SELECT a.tenant_id, a.package, a.cve_id, a.is_kernel, a.min_rank, a.ecosystem, a.sev_rank, a.cvss, a.summary, a.fixed_version, a.published_at,
         coalesce((SELECT o.affected_hosts FROM open_cves o
                    WHERE o.tenant_id = a.tenant_id AND o.package = a.package AND o.cve_id = a.cve_id
                      AND o.is_kernel = a.is_kernel AND o.min_rank = a.min_rank AND o.ecosystem = a.ecosystem), 0) + coalesce(d.n, 0)
    FROM a LEFT JOIN d USING (tenant_id, package, cve_id, is_kernel, ecosystem, min_rank)
  ON CONFLICT (tenant_id, package, cve_id, is_kernel, min_rank, ecosystem) DO UPDATE
     SET sev_rank = excluded.sev_rank, cvss = excluded.cvss, summary = excluded.summary, fixed_version = excluded.fixed_version,
         published_at = excluded.published_at, affected_hosts = excluded.affected_hosts
   WHERE (open_cves.sev_rank, open_cves.cvss, open_cves.summary, open_cves.fixed_version, open_cves.published_at, open_cves.affected_hosts)
         IS DISTINCT FROM (excluded.sev_rank, excluded.cvss, excluded.summary, excluded.fixed_version, excluded.published_at, excluded.affected_hosts); -- same entries as vulns.ts grouped
END $$;

-- Writers of vuln_matches hold this lock shared and writers of vuln_advisories exclusive, each
-- before reading anything besides its own transition rows (key 5001; 5002 is the per-tenant
-- lock). An advisory writer finds the tenants to recompute by their open matches: a match added
-- concurrently, still invisible to it, would be missed, and the match writer, reading the advisory
-- as it was, would count it with the old severity (or not at all, if it was being brought back).
-- So either one waits for the other to commit.

-- (tenant, agent, advisory) of matches that opened or closed: recompute those hosts' entries.
CREATE FUNCTION open_cves_touch(tenant_ids uuid[], agent_ids uuid[], advisory_ids text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(5001, 0); -- before reading vuln_advisories, see above
  PERFORM open_cves_refresh(array_agg(k.tenant_id), array_agg(k.agent_id), array_agg(k.cve_id), array_agg(k.package))
     FROM (SELECT DISTINCT x.tenant_id, x.agent_id, v.cve_id, v.package
             FROM unnest(tenant_ids, agent_ids, advisory_ids) x(tenant_id, agent_id, advisory_id)
             JOIN vuln_advisories v ON v.id = x.advisory_id AND v.withdrawn_at IS NULL) k
   HAVING count(*) > 0; -- a match of a withdrawn (or, by cascade, deleted) advisory counts nowhere
END $$;

CREATE FUNCTION open_cves_matches_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM open_cves_touch(array_agg(tenant_id), array_agg(agent_id), array_agg(advisory_id)) FROM new_rows WHERE resolved_at IS NULL HAVING count(*) > 0; -- none open: nothing to do
  RETURN NULL; -- AFTER … FOR EACH STATEMENT: the value is ignored
END $$;

CREATE FUNCTION open_cves_matches_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM open_cves_touch(array_agg(tenant_id), array_agg(agent_id), array_agg(advisory_id)) FROM old_rows WHERE resolved_at IS NULL HAVING count(*) > 0; -- none open: nothing to do
  RETURN NULL; -- AFTER … FOR EACH STATEMENT: the value is ignored
END $$;

-- Only rows that opened or closed (or moved) count: re-matching an inventory rewrites
-- installed_version of matches that stay open, which changes no entry.
CREATE FUNCTION open_cves_matches_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM open_cves_touch(array_agg(c.tenant_id), array_agg(c.agent_id), array_agg(c.advisory_id))
     FROM (SELECT o.tenant_id, o.agent_id, o.advisory_id FROM old_rows o
            WHERE o.resolved_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.tenant_id = o.tenant_id AND n.agent_id = o.agent_id AND n.advisory_id = o.advisory_id AND n.resolved_at IS NULL)
           UNION
           SELECT n.tenant_id, n.agent_id, n.advisory_id FROM new_rows n
            WHERE n.resolved_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.tenant_id = n.tenant_id AND o.agent_id = n.agent_id AND o.advisory_id = n.advisory_id AND o.resolved_at IS NULL)) c
   HAVING count(*) > 0; -- none opened or closed: nothing to do
  RETURN NULL; -- AFTER … FOR EACH STATEMENT: the value is ignored
END $$;

-- TRUNCATE fires no DELETE trigger (and TRUNCATE vuln_advisories must cascade to vuln_matches).
CREATE FUNCTION open_cves_matches_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(5001, 0); -- as an advisory writer: excludes every other writer
  DELETE FROM open_cve_hosts; -- no matches, no entries
  DELETE FROM open_cves; -- idem
  RETURN NULL; -- AFTER … FOR EACH STATEMENT: the value is ignored
END $$;

-- An advisory changed in what the tools show (or was withdrawn, or came back): recompute its
-- old and new (cve_id, package) in every tenant with an open match on it. Advisory ids do not
-- change under matches (the foreign key has no ON UPDATE CASCADE), so old and new pair by id.
CREATE FUNCTION open_cves_advisories_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(5001, 0); -- before finding the tenants, see above
  PERFORM open_cves_refresh(array_agg(k.tenant_id), NULL, array_agg(k.cve_id), array_agg(k.package))
     FROM (SELECT DISTINCT t.id AS tenant_id, g.cve_id, g.package
             FROM old_rows o JOIN new_rows n ON n.id = o.id
             CROSS JOIN LATERAL (VALUES (o.cve_id, o.package), (n.cve_id, n.package)) g(cve_id, package)
             JOIN tenants t ON EXISTS (SELECT 1 FROM vuln_matches m WHERE m.tenant_id = t.id AND m.advisory_id = n.id AND m.resolved_at IS NULL)
            WHERE (o.withdrawn_at IS NULL OR n.withdrawn_at IS NULL)
              AND (o.cve_id, o.package, o.ecosystem, o.is_kernel, o.severity, o.cvss, o.summary, o.fixed_version, o.published_at, o.withdrawn_at IS NULL)
                  IS DISTINCT FROM (n.cve_id, n.package, n.ecosystem, n.is_kernel, n.severity, n.cvss, n.summary, n.fixed_version, n.published_at, n.withdrawn_at IS NULL)) k
   HAVING count(*) > 0; -- no open match on a changed advisory: nothing to do
  RETURN NULL; -- AFTER … FOR EACH STATEMENT: the value is ignored
END $$;

-- A deleted advisory's matches are gone by now (ON DELETE CASCADE ran first, and the cascade's
-- own trigger found no advisory to group them by): the tenants to recompute are those with
-- entries of the advisory's (cve_id, package).
CREATE FUNCTION open_cves_advisories_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(5001, 0); -- before reading open_cves, see above
  PERFORM open_cves_refresh(array_agg(k.tenant_id), NULL, array_agg(k.cve_id), array_agg(k.package))
     FROM (SELECT DISTINCT c.tenant_id, c.cve_id, c.package FROM open_cves c JOIN old_rows o ON o.cve_id = c.cve_id AND o.package = c.package WHERE o.withdrawn_at IS NULL) k
   HAVING count(*) > 0; -- no tenant had them open: nothing to do
  RETURN NULL; -- AFTER … FOR EACH STATEMENT: the value is ignored
END $$;

-- Statement-level with transition tables: one recompute per statement, not per row (the seed
-- writes matches 1,000 rows a statement). PostgreSQL allows one event per trigger that has them.
CREATE TRIGGER open_cves_matches_inserted AFTER INSERT ON vuln_matches REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION open_cves_matches_inserted();
CREATE TRIGGER open_cves_matches_updated AFTER UPDATE ON vuln_matches REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION open_cves_matches_updated();
CREATE TRIGGER open_cves_matches_deleted AFTER DELETE ON vuln_matches REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION open_cves_matches_deleted();
CREATE TRIGGER open_cves_matches_truncated AFTER TRUNCATE ON vuln_matches
  FOR EACH STATEMENT EXECUTE FUNCTION open_cves_matches_truncated();
CREATE TRIGGER open_cves_advisories_updated AFTER UPDATE ON vuln_advisories REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION open_cves_advisories_updated();
CREATE TRIGGER open_cves_advisories_deleted AFTER DELETE ON vuln_advisories REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION open_cves_advisories_deleted();

-- The entries of the matches already there.
SELECT open_cves_refresh(array_agg(k.tenant_id), NULL, array_agg(k.cve_id), array_agg(k.package))
  FROM (SELECT DISTINCT m.tenant_id, v.cve_id, v.package
          FROM vuln_matches m JOIN vuln_advisories v ON v.id = m.advisory_id AND v.withdrawn_at IS NULL
         WHERE m.resolved_at IS NULL) k;
