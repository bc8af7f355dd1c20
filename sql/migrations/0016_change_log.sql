-- Change notifications through a log table, relayed as NOTIFY by the servers, instead of a NOTIFY
-- inside every writing transaction.
--
-- Why: a transaction that has sent NOTIFY takes a lock at commit that every other notifying
-- transaction of the cluster waits for, and holds it until its commit record is flushed to disk
-- (PostgreSQL's PreCommit_Notify, which keeps the queue in commit order). With a NOTIFY per ticket,
-- ticket writes committed one after another, one disk flush each, and lost group commit: measured
-- with the intake function at 24 connections on a durable cluster, 96 tickets/s with the trigger
-- against 240/s without it.
--
-- Now the *__notify_changed triggers (same names, same tables, migrations 0008 and 0010) append
-- a row to change_log, and the servers drain it with misto_relay_changes(), which sends the same
-- messages on 'misto_changes' as before, a batch per short transaction: every LISTEN (tile caches,
-- the live stream, the replica fences) works as it did. server/live/changes.ts runs the relay.
--
-- Rows are taken with FOR UPDATE SKIP LOCKED and deleted by the transaction that sends them, so a
-- change is announced once whichever of several server processes takes it, and a change whose
-- transaction commits late (ids are handed out before commit, so they commit out of order) is
-- taken by the next round that can see it: nothing is skipped.
--
-- The relay does not poll an idle database. While it finds changes it stays awake (change_relay:
-- until when), draining every 50 ms; a transaction that writes to the log when no relay will be
-- awake for at least another 100 ms rings the doorbell at its commit (NOTIFY 'misto_relay',
-- once per transaction), which wakes the relays. So under sustained writes nobody sends NOTIFY in
-- a writing transaction, and an idle server sends no statement at all. A relay goes back to sleep
-- only after a round whose statement started once the awake time had passed: every transaction
-- that skipped the doorbell (it saw at least 100 ms left, and committed within it: its disk flush
-- takes milliseconds) is visible to that round. One that took longer still is announced with the
-- next change.
--
-- UNLOGGED: the log holds only what waits for the next round (milliseconds of changes) and costs
-- no WAL. A crash empties both tables; every listener then loses its LISTEN connection too and, on
-- reconnecting, drops what it cached (server/db/postgres.ts sends 'reconnected'), and the first
-- commit after it rings, as change_relay has no row.
CREATE UNLOGGED TABLE change_log (
  id         bigint GENERATED ALWAYS AS IDENTITY,
  table_name text NOT NULL,
  row_id     text NOT NULL,
  op         text NOT NULL,
  old_box    box2d,
  new_box    box2d
);

-- The trigger's argument names the geometry column. The columns are read by static field
-- references, one branch per column name in use: PL/pgSQL prepares a branch when it first runs
-- it, for the table the trigger fires on, so a branch naming a column another table lacks is
-- never prepared there; an EXECUTE would be parsed and planned again for every row.
CREATE OR REPLACE FUNCTION misto_notify_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  old_geom geometry;
  new_geom geometry;
BEGIN
  IF TG_ARGV[0] = 'location' THEN
    IF TG_OP <> 'INSERT' THEN old_geom := OLD.location; END IF;
    IF TG_OP <> 'DELETE' THEN new_geom := NEW.location; END IF;
  ELSIF TG_ARGV[0] = 'geom' THEN
    IF TG_OP <> 'INSERT' THEN old_geom := OLD.geom; END IF;
    IF TG_OP <> 'DELETE' THEN new_geom := NEW.geom; END IF;
  ELSIF TG_ARGV[0] = 'zone' THEN
    IF TG_OP <> 'INSERT' THEN old_geom := OLD.zone; END IF;
    IF TG_OP <> 'DELETE' THEN new_geom := NEW.zone; END IF;
  ELSIF TG_ARGV[0] = 'point' THEN
    IF TG_OP <> 'INSERT' THEN old_geom := OLD.point; END IF;
    IF TG_OP <> 'DELETE' THEN new_geom := NEW.point; END IF;
  ELSIF TG_ARGV[0] = 'footprint' THEN
    IF TG_OP <> 'INSERT' THEN old_geom := OLD.footprint; END IF;
    IF TG_OP <> 'DELETE' THEN new_geom := NEW.footprint; END IF;
  ELSE
    RAISE EXCEPTION 'misto_notify_changed: no branch for the geometry column "%" of %', TG_ARGV[0], TG_TABLE_NAME;
  END IF;
  INSERT INTO change_log (table_name, row_id, op, old_box, new_box)
  VALUES (TG_TABLE_NAME, (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text, lower(TG_OP),
          Box2D(old_geom), Box2D(new_geom));
  RETURN NULL;
END $$;

-- Whether relays are draining the log, and until when they go on without a doorbell (one row).
CREATE UNLOGGED TABLE change_relay (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  awake_until timestamptz NOT NULL
);

-- At commit (a deferred trigger), once per transaction that wrote to the log: the doorbell, unless
-- relays are awake for at least another 100 ms (the time left for this commit to finish).
CREATE FUNCTION misto_change_doorbell() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('misto.change_doorbell', true) IS DISTINCT FROM 'checked' THEN
    PERFORM set_config('misto.change_doorbell', 'checked', true);
    IF NOT EXISTS (SELECT 1 FROM change_relay WHERE awake_until > clock_timestamp() + interval '100 milliseconds') THEN
      PERFORM pg_notify('misto_relay', '');
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER change_log__doorbell AFTER INSERT ON change_log
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION misto_change_doorbell();

-- Takes up to max_rows waiting changes and sends each as the message the triggers used to send
-- themselves (one small JSON per changed row: table, id, op, and the bounding boxes of the old and
-- new geometry). Having sent any, it keeps the relays awake for awake_ms more. Answers how many it
-- sent, and whether the relays were awake when this statement started (false: the caller may sleep
-- until the doorbell, unless this round sent something).
CREATE FUNCTION misto_relay_changes(max_rows integer, awake_ms integer)
RETURNS TABLE (sent integer, awake boolean)
LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  -- Flushed at commit even where commits are asynchronous: a replica fence (server/db/replicas.ts)
  -- waits for the primary's WAL position when a message arrives, this commit's at least, which
  -- would otherwise wait in the WAL buffers for the WAL writer's next round (up to 200 ms and more)
  -- and keep reads off the replicas meanwhile.
  PERFORM set_config('synchronous_commit', 'on', true);
  WITH taken AS (
    DELETE FROM change_log c
    WHERE c.ctid = ANY (ARRAY(SELECT l.ctid FROM change_log l ORDER BY l.id LIMIT max_rows FOR UPDATE SKIP LOCKED))
    RETURNING c.*
  )
  SELECT count(pg_notify('misto_changes', json_build_object(
           'table', t.table_name,
           'id', t.row_id,
           'op', t.op,
           'old', CASE WHEN t.old_box IS NOT NULL THEN json_build_array(ST_XMin(t.old_box), ST_YMin(t.old_box), ST_XMax(t.old_box), ST_YMax(t.old_box)) END,
           'new', CASE WHEN t.new_box IS NOT NULL THEN json_build_array(ST_XMin(t.new_box), ST_YMin(t.new_box), ST_XMax(t.new_box), ST_YMax(t.new_box)) END
         )::text))
  INTO n
  FROM (SELECT * FROM taken ORDER BY id) t;
  sent := n;
  -- statement_timestamp(): taken before this statement's snapshot.
  awake := EXISTS (SELECT 1 FROM change_relay r WHERE r.awake_until > statement_timestamp());
  IF n > 0 THEN
    INSERT INTO change_relay AS r (singleton, awake_until) VALUES (true, clock_timestamp() + make_interval(secs => awake_ms / 1000.0))
    ON CONFLICT (singleton) DO UPDATE SET awake_until = greatest(r.awake_until, excluded.awake_until);
  END IF;
  RETURN NEXT;
END $$;
