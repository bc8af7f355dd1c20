-- The hot paths of tickets under load: the plans of a ticket's write and of the public projection
-- kept, not made again on every call, and a new ticket's map-cell counters locked only while it
-- commits. The intake plans were measured with the intake function at 8 and 24 connections on
-- bench/run.ts's --small city (a durable cluster), by the database's CPU per ticket and tickets
-- per second; the rest under npm run load.

-- misto_intake_ticket (migration 0012) with a generic plan. PL/pgSQL keeps a statement's plan, but
-- for its first five runs and then whenever a plan made for the values at hand looks cheaper, it
-- plans again for those values ("custom" plans): this statement, with its ten CTEs, was planned
-- again on every call (planning was an eighth of the database's CPU per ticket). Its one
-- parameter is a JSON document the planner cannot see into, so a plan for given values is no
-- better: the generic one uses the same indexes. 345 → 438 and 337 → 495 tickets/s, alternating.
ALTER FUNCTION misto_intake_ticket(jsonb) SET plan_cache_mode = force_generic_plan;

-- ticket_map_cells__add (migration 0011) in PL/pgSQL, with the same statement, so that its plan is
-- kept for the connection. The map-cell triggers call it for every statement that writes tickets,
-- and a function in LANGUAGE sql that cannot be inlined (an INSERT) is planned again on every call
-- before PostgreSQL 18: about 1 ms of CPU, twice what running the statement costs.
CREATE OR REPLACE FUNCTION ticket_map_cells__add(deltas ticket_map_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ticket_map_cells AS c (z, x, y, kind, day, n, sum_mx, sum_my)
  SELECT r.z, r.x, r.y, r.kind, r.day, sum(d.sign)::integer, sum(d.sign * r.mx), sum(d.sign * r.my)
  FROM unnest(deltas) AS d CROSS JOIN LATERAL misto_ticket_map_rows(d.location, d.status, d.closed_at, d.due_at) r
  GROUP BY 1, 2, 3, 4, 5
  -- Every statement takes its cells' row locks in this one order, so that two statements never
  -- wait for each other in turn.
  ORDER BY 1, 4, 5, 2, 3
  ON CONFLICT (z, kind, day, x, y) DO UPDATE
    SET n = c.n + excluded.n, sum_mx = c.sum_mx + excluded.sum_mx, sum_my = c.sum_my + excluded.sum_my;
END $$;

-- misto_utc_day (migration 0011) by an expression the planner can inline, as that migration
-- meant: date_part of a timestamptz is only STABLE (some of its fields depend on the time zone),
-- so the function, declared IMMUTABLE, was never inlined and ran as a function call of its own,
-- with its own executor start, three times for every ticket written. The epoch of the difference
-- from 1970-01-01 UTC (an interval, whose date_part is IMMUTABLE) is the same number of seconds.
CREATE OR REPLACE FUNCTION misto_utc_day(at timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT floor(date_part('epoch', at - '1970-01-01 00:00:00+00'::timestamptz) / 86400)::integer
$$;

-- A new ticket's map-cell counters are added at its commit (a deferred trigger per row), not at
-- the end of its insert statement. The counters' rows are few and shared: every open ticket of a
-- district adds to the same zoom-13 cell, and every ticket due the same day to the same 'due'
-- counter. An upsert keeps its row locks until the transaction ends, so each intake held them
-- from its insert through the answer to the server, the server's COMMIT and the disk flush, and
-- every other intake in the same cells waited that long: on the demo city under npm run load,
-- the intakes spent most of their time waiting for each other on these rows. At commit they are
-- held for the commit alone. The counts are the same (an update or delete later in the same
-- transaction is counted by the statement triggers from the row as inserted, which this adds).
-- A transaction that inserts several tickets takes their cells one ticket after another, not in
-- the one order of a statement (migration 0011): two such transactions at once may deadlock,
-- and one is retried by its caller; intake inserts one ticket per transaction. Keeps its name, so
-- that a bulk load (sql/fixtures/bulk-begin.sql) still turns it off.
CREATE FUNCTION ticket_map_cells__inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ticket_map_cells__add(ARRAY[ROW(1, NEW.location, NEW.status, NEW.closed_at, NEW.due_at)::ticket_map_delta]);
  RETURN NULL;
END $$;

DROP TRIGGER tickets__map_cells_insert ON tickets;
CREATE CONSTRAINT TRIGGER tickets__map_cells_insert AFTER INSERT ON tickets
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ticket_map_cells__inserted();

-- The public projection of tickets by id (sql/tickets/public-by-ids.sql: Open311 GET, the citizen's
-- card, the live stream) in a function, for its plan. Sent as a statement, its eleven joins were
-- planned on every call: 2-3 ms of the database's CPU (warm; more than running it), while
-- npm run load's ticket reads (100/s) and every batch of the live stream ask for it. Its one
-- parameter is a JSON list the planner cannot see into, so the generic plan is as good.
CREATE FUNCTION misto_public_tickets(ids jsonb)
RETURNS TABLE (
  id bigint, status text, open311_status text, status_name_uk text, status_notes text,
  category_code text, category_name_uk text, group_code text, description text, executor_name text,
  needs_routing boolean, created_at timestamptz, updated_at timestamptz, due_at timestamptz,
  address_label text, address_id integer, lon float8, lat float8, media_url text, duplicate_of bigint,
  outage_public_text text, outage_ends_at timestamptz
)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT t.id,
         coalesce(orig.status, t.status) AS status,
         s.open311 AS open311_status,
         s.name_uk AS status_name_uk,
         notes.note AS status_notes,
         t.category_code,
         c.name_uk AS category_name_uk,
         c.group_code,
         t.description,
         o.name AS executor_name,
         coalesce(orig.needs_routing, t.needs_routing) AS needs_routing,
         t.created_at,
         greatest(t.created_at, last_event.at, notes.at) AS updated_at,
         coalesce(orig.due_at, t.due_at) AS due_at,
         coalesce(a.label, t.address_text) AS address_label,
         t.address_id,
         ST_X(t.location) AS lon,
         ST_Y(t.location) AS lat,
         t.media_url,
         t.duplicate_of,
         outage.public_text AS outage_public_text,
         outage.ends_at AS outage_ends_at
  FROM jsonb_array_elements_text(ids) AS wanted(id)
  JOIN tickets t ON t.id = wanted.id::bigint
  LEFT JOIN tickets orig ON orig.id = t.duplicate_of
  JOIN ticket_statuses s ON s.code = coalesce(orig.status, t.status)
  JOIN categories c ON c.code = t.category_code
  JOIN organisations o ON o.id = coalesce(orig.executor_id, t.executor_id)
  LEFT JOIN addresses a ON a.id = t.address_id
  LEFT JOIN outages outage ON outage.id = coalesce(orig.outage_id, t.outage_id)
  LEFT JOIN LATERAL (
    SELECT e.note, e.at FROM ticket_events e
    WHERE e.ticket_id = coalesce(orig.id, t.id) AND e.public AND e.note IS NOT NULL
    ORDER BY e.at DESC, e.id DESC LIMIT 1
  ) notes ON true
  LEFT JOIN LATERAL (
    SELECT max(e.at) AS at FROM ticket_events e WHERE e.ticket_id IN (t.id, orig.id)
  ) last_event ON true
  ORDER BY t.id;
END $$;
