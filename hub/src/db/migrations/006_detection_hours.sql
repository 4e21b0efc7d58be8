-- 006: detections counted per tenant, UTC hour, kind and severity, kept up to date by triggers, so
-- the Trust Score's 30-day facts and monsys_list_detections' total read at most a few thousand
-- counters plus the detections of one partial hour, instead of every detection in the window
-- (ADR 0006 and docs/performance.md give the measurements that led here).
--
-- A row counts the tenant's detections with detected_at in [hour, hour + 1h), split by their
-- acknowledgement: every detection is in exactly one of the three counters. "On time" is the
-- Trust Score's: acknowledged within 24 hours of detected_at.
--
-- Readers count a window [lo, infinity) as the rows with hour >= the first whole hour after lo,
-- plus the detections in [lo, that hour) counted directly through detections_time: exact, with at
-- most one hour of detections read. Hours are UTC whatever the session's time zone.
CREATE TABLE detection_hours (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  hour       timestamptz NOT NULL,
  kind       text NOT NULL,
  severity   text NOT NULL,
  n_open     integer NOT NULL,
  n_on_time  integer NOT NULL,
  n_late     integer NOT NULL,
  PRIMARY KEY (tenant_id, hour, kind, severity)
);
-- One kind's hours (the drill-down's same-kind count, a list filtered by kind), from the index alone.
CREATE INDEX detection_hours_kind ON detection_hours (tenant_id, kind, hour) INCLUDE (n_open, n_on_time, n_late);

-- One inserted (+1) or removed (-1) detection, as far as the counters are concerned.
CREATE TYPE detection_hours_change AS (tenant_id uuid, detected_at timestamptz, kind text, severity text, acked_at timestamptz, sign int);

-- Applies changes: one upsert per (tenant, hour, kind, severity) whose counters move, in key order
-- so that two writers lock counters in the same order. The counters are sums, so concurrent writers
-- need no lock beyond the counter row's own: at READ COMMITTED an upsert adds to the latest
-- committed value; at REPEATABLE READ or SERIALIZABLE a concurrent change to the same counter is a
-- serialization failure, never a lost count. A tenant deleted in this transaction gets no counters
-- (its old ones cascade from tenants). A counter that would go negative fails the write rather
-- than the counts going wrong unnoticed.
CREATE FUNCTION detection_hours_add(changes detection_hours_change[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  negative int;
BEGIN
  WITH moved AS (
    INSERT INTO detection_hours AS h (tenant_id, hour, kind, severity, n_open, n_on_time, n_late)
    SELECT * FROM (
      SELECT c.tenant_id, date_trunc('hour', c.detected_at, 'UTC') AS hour, c.kind, c.severity,
             coalesce(sum(c.sign) FILTER (WHERE c.acked_at IS NULL), 0)::int AS n_open,
             coalesce(sum(c.sign) FILTER (WHERE c.acked_at <= c.detected_at + interval '24 hours'), 0)::int AS n_on_time,
             coalesce(sum(c.sign) FILTER (WHERE c.acked_at > c.detected_at + interval '24 hours'), 0)::int AS n_late
        FROM unnest(changes) AS c
       WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = c.tenant_id)
       GROUP BY 1, 2, 3, 4
    ) d
     WHERE (d.n_open, d.n_on_time, d.n_late) <> (0, 0, 0)
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, hour, kind, severity) DO UPDATE
       SET n_open = h.n_open + excluded.n_open,
           n_on_time = h.n_on_time + excluded.n_on_time,
           n_late = h.n_late + excluded.n_late
    RETURNING h.n_open, h.n_on_time, h.n_late
  )
  SELECT count(*) INTO negative FROM moved WHERE least(moved.n_open, moved.n_on_time, moved.n_late) < 0;
  IF negative > 0 THEN
    RAISE EXCEPTION 'detection_hours would count fewer than no detections (migration 006: recount it from detected_events)' USING ERRCODE = 'check_violation';
  END IF;
END $$;

-- The statement's rows as changes: inserted rows in, deleted rows out, and for an update the old rows
-- out and the new rows in (changes that cancel out, a note edited, touch no counter); a TRUNCATE
-- empties the counters. Each trigger declares only the transition tables its event has, and each
-- branch reads only those.
CREATE FUNCTION detection_hours_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM detection_hours;
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM detection_hours_add(ARRAY(
      SELECT ROW(tenant_id, detected_at, kind, severity, acked_at, 1)::detection_hours_change FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM detection_hours_add(ARRAY(
      SELECT ROW(tenant_id, detected_at, kind, severity, acked_at, -1)::detection_hours_change FROM old_rows));
  ELSE
    PERFORM detection_hours_add(ARRAY(
      SELECT ROW(tenant_id, detected_at, kind, severity, acked_at, -1)::detection_hours_change FROM old_rows
      UNION ALL
      SELECT ROW(tenant_id, detected_at, kind, severity, acked_at, 1)::detection_hours_change FROM new_rows));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER detection_hours_insert AFTER INSERT ON detected_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION detection_hours_changed();
CREATE TRIGGER detection_hours_delete AFTER DELETE ON detected_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION detection_hours_changed();
CREATE TRIGGER detection_hours_update AFTER UPDATE ON detected_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION detection_hours_changed();
CREATE TRIGGER detection_hours_truncate AFTER TRUNCATE ON detected_events
  FOR EACH STATEMENT EXECUTE FUNCTION detection_hours_changed();

-- The detections already stored (also how to rebuild the counters: DELETE FROM detection_hours, then this).
INSERT INTO detection_hours (tenant_id, hour, kind, severity, n_open, n_on_time, n_late)
SELECT tenant_id, date_trunc('hour', detected_at, 'UTC'), kind, severity,
       count(*) FILTER (WHERE acked_at IS NULL),
       count(*) FILTER (WHERE acked_at <= detected_at + interval '24 hours'),
       count(*) FILTER (WHERE acked_at > detected_at + interval '24 hours')
  FROM detected_events
 GROUP BY 1, 2, 3, 4;

-- The Trust Score's identity check groups the 30 days' brute-force detections by source address
-- (read from this index alone) and probes each address for a successful login near them (one
-- descent of the second index, not a walk over the failures).
CREATE INDEX detections_brute_force ON detected_events (tenant_id, detected_at, src_ip) WHERE kind = 'ssh_brute_force';
CREATE INDEX auth_events_success_src_ip ON auth_events (tenant_id, src_ip, occurred_at) WHERE success;

-- Hosts with an open critical or high CVE (the Trust Score's patch hygiene), read from this index alone.
CREATE INDEX open_cve_hosts_rank ON open_cve_hosts (tenant_id, sev_rank, agent_id);
