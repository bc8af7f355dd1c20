-- The tickets layer's cluster counts kept per map cell by triggers on tickets, so that a
-- low-zoom tile adds up a few hundred counters instead of every ticket on the map: a tile's
-- freshness after a change is then the time of one small statement, at 1 M tickets or 5 M.
--
-- A cell is a tile of zoom 13, 15 or 16. A cluster of a tile at zoom z is one of its 8 × 8
-- cells, a tile of zoom z + 3, which is a whole block of stored cells (their column and row
-- shifted right): a z13 tile adds up zoom-16 cells, z11 and z12 zoom-15 cells, lower zooms
-- zoom-13 cells, at most 256 cells a tile from z7 to z13. Per cell the counters hold what the
-- clock cannot change: the open tickets, the same again by the UTC day of their deadline, the
-- done ones, and the closed ones by the UTC day they were closed on. The tile statement
-- (sql/tiles/ticket_clusters.sql) takes the days the clock has wholly passed or not reached
-- from here, and reads the tickets of the two days it stands in (deadlines later today, closed
-- on the day seven days back) from tickets through small indexes.

-- The tile column and row of a point at zoom z, by the formula of tiles/tile.ts (tileOf):
-- edges belong to the tile east and south of them. Scaling by 2^z is exact in floating
-- point, so the cell of a point at zoom 16 shifted right by 1 is its cell at zoom 15.
-- These and the helpers below are single expressions, neither STRICT nor with a FROM, so
-- that the planner inlines them: called as functions, they cost more than the rest of a query.
CREATE FUNCTION misto_tile_column(p geometry, z integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT least(greatest(floor((least(greatest(ST_X(p), -180), 180) + 180) / 360 * 2 ^ z), 0), 2 ^ z - 1)::integer
$$;

CREATE FUNCTION misto_tile_row(p geometry, z integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT least(greatest(floor((1 - ln(tan(radians(least(greatest(ST_Y(p), -85.0511287798066), 85.0511287798066)))
                                     + 1 / cos(radians(least(greatest(ST_Y(p), -85.0511287798066), 85.0511287798066)))) / pi()) / 2 * 2 ^ z), 0), 2 ^ z - 1)::integer
$$;

-- Web Mercator (EPSG:3857) x and y of a point by the projection's formula: what ST_Transform
-- gives, at a fraction of its cost; a cluster sits at the mean of its tickets in these units.
CREATE FUNCTION misto_mercator_x(p geometry) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 6378137 * radians(ST_X(p))
$$;

CREATE FUNCTION misto_mercator_y(p geometry) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 6378137 * ln(tan(pi() / 4 + radians(greatest(-85.0511287798066, least(85.0511287798066, ST_Y(p)))) / 2))
$$;

-- How the map counts a ticket whatever the clock: 'open', 'done', 'closed' (when it has its
-- closing time), or NULL (rejected, duplicate: never on the map). The open statuses are those
-- of sql/tiles/tickets.sql (a test checks both against ticket_statuses.is_open).
CREATE FUNCTION misto_ticket_map_kind(status text, closed_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened') THEN 'open'
              WHEN status = 'done' THEN 'done'
              WHEN status = 'closed' AND closed_at IS NOT NULL THEN 'closed' END
$$;

-- The UTC day of a moment, as days since 1970-01-01 (the bucket of deadlines and closings).
-- date_part, not extract: its float8 is many times cheaper than extract's numeric.
CREATE FUNCTION misto_utc_day(at timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT floor(date_part('epoch', at) / 86400)::integer
$$;

CREATE TABLE ticket_map_cells (
  -- The cell: a tile of zoom 13, 15 or 16.
  z      smallint NOT NULL CHECK (z IN (13, 15, 16)),
  x      integer NOT NULL,
  y      integer NOT NULL,
  -- open, done, closed: the tickets of that kind; due: the open ones again, by deadline.
  kind   text NOT NULL CHECK (kind IN ('open', 'due', 'done', 'closed')),
  -- due: misto_utc_day(due_at); closed: misto_utc_day(closed_at); 0 for the others.
  day    integer NOT NULL,
  -- Tickets, and the sums of their Web Mercator x and y (the cluster is at their mean). A
  -- counter may fall back to 0 and stay; the tile statement passes over it.
  n      integer NOT NULL,
  sum_mx float8 NOT NULL,
  sum_my float8 NOT NULL,
  -- By kind and day first: a tile reads the open and done counters of its cells, the due ones
  -- of the days ahead and the closed ones of the last seven, while a city keeps those of every
  -- day it has had.
  PRIMARY KEY (z, kind, day, x, y)
);

-- The counters one ticket adds to: its cell at each stored zoom for each of its kinds (an open
-- ticket has two: open, and due on its deadline's day), and its place in Web Mercator; no row
-- for a ticket the map never shows. The one place where this is worked out, for the triggers
-- and the rebuild (inlined by the planner into both).
CREATE FUNCTION misto_ticket_map_rows(location geometry, status text, closed_at timestamptz, due_at timestamptz)
RETURNS TABLE (z integer, x integer, y integer, kind text, day integer, mx float8, my float8)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT l.z, p.x >> (16 - l.z), p.y >> (16 - l.z), k.kind,
         CASE k.kind WHEN 'due' THEN misto_utc_day(due_at) WHEN 'closed' THEN misto_utc_day(closed_at) ELSE 0 END,
         p.mx, p.my
  -- The place once per ticket (OFFSET 0 keeps the planner from copying these expressions into
  -- every row below); the coarser cells are the zoom-16 cell shifted. The lists of kinds and
  -- zooms are constants: a VALUES list with the ticket's columns in it would be compiled
  -- again for every ticket.
  FROM (SELECT misto_tile_column(location, 16) AS x, misto_tile_row(location, 16) AS y,
               misto_mercator_x(location) AS mx, misto_mercator_y(location) AS my OFFSET 0) p
       CROSS JOIN (VALUES ('open'), ('due'), ('done'), ('closed')) AS k(kind)
       CROSS JOIN (VALUES (13), (15), (16)) AS l(z)
  WHERE k.kind = misto_ticket_map_kind(status, closed_at)
     OR (k.kind = 'due' AND misto_ticket_map_kind(status, closed_at) = 'open')
$$;

-- A ticket row as the triggers hand it over: added (sign 1) or taken away (sign -1).
CREATE TYPE ticket_map_delta AS (sign integer, location geometry, status text, closed_at timestamptz, due_at timestamptz);

-- Adds (or takes away) tickets to the counters of their cells.
CREATE FUNCTION ticket_map_cells__add(deltas ticket_map_delta[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO ticket_map_cells AS c (z, x, y, kind, day, n, sum_mx, sum_my)
  SELECT r.z, r.x, r.y, r.kind, r.day, sum(d.sign)::integer, sum(d.sign * r.mx), sum(d.sign * r.my)
  FROM unnest(deltas) AS d CROSS JOIN LATERAL misto_ticket_map_rows(d.location, d.status, d.closed_at, d.due_at) r
  GROUP BY 1, 2, 3, 4, 5
  -- Every statement takes its cells' row locks in this one order, so that two statements never
  -- wait for each other in turn.
  ORDER BY 1, 4, 5, 2, 3
  ON CONFLICT (z, kind, day, x, y) DO UPDATE
    SET n = c.n + excluded.n, sum_mx = c.sum_mx + excluded.sum_mx, sum_my = c.sum_my + excluded.sum_my
$$;

-- Per statement, not per row: a statement that changes many tickets updates each cell once.
-- An update counts only where what the map sees changed (status, deadline, closing time,
-- place), so the many updates that change none of them (escalation, notes, routing) touch no
-- counter.
CREATE FUNCTION ticket_map_cells__changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM ticket_map_cells__add(array_agg(ROW(1, n.location, n.status, n.closed_at, n.due_at)::ticket_map_delta)) FROM new_rows n;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM ticket_map_cells__add(array_agg(ROW(-1, o.location, o.status, o.closed_at, o.due_at)::ticket_map_delta)) FROM old_rows o;
  ELSE
    PERFORM ticket_map_cells__add(array_agg(d.delta))
    FROM old_rows o JOIN new_rows n ON n.id = o.id
         CROSS JOIN LATERAL (VALUES (ROW(-1, o.location, o.status, o.closed_at, o.due_at)::ticket_map_delta),
                                    (ROW(1, n.location, n.status, n.closed_at, n.due_at)::ticket_map_delta)) AS d(delta)
    WHERE o.status IS DISTINCT FROM n.status OR o.closed_at IS DISTINCT FROM n.closed_at OR o.due_at IS DISTINCT FROM n.due_at
       OR ST_X(o.location) IS DISTINCT FROM ST_X(n.location) OR ST_Y(o.location) IS DISTINCT FROM ST_Y(n.location);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER tickets__map_cells_insert AFTER INSERT ON tickets
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ticket_map_cells__changed();
CREATE TRIGGER tickets__map_cells_update AFTER UPDATE ON tickets
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ticket_map_cells__changed();
CREATE TRIGGER tickets__map_cells_delete AFTER DELETE ON tickets
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ticket_map_cells__changed();

-- Counts every ticket again: after a load that ran with the triggers off (fixtures/
-- generate-city.ts disables them for speed), and once here for the tickets already present.
-- One pass over the tickets into a hash table of the cells, written in the order of the
-- primary key, so that its index grows at one end instead of everywhere at once.
CREATE FUNCTION misto_ticket_map_cells_rebuild() RETURNS void
LANGUAGE plpgsql SET work_mem = '256MB' AS $$
BEGIN
  -- Nobody may change tickets in between: their triggers wait for this transaction.
  LOCK TABLE tickets IN SHARE MODE;
  DELETE FROM ticket_map_cells;
  INSERT INTO ticket_map_cells (z, x, y, kind, day, n, sum_mx, sum_my)
  SELECT r.z, r.x, r.y, r.kind, r.day, count(*), sum(r.mx), sum(r.my)
  FROM tickets t CROSS JOIN LATERAL misto_ticket_map_rows(t.location, t.status, t.closed_at, t.due_at) r
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 4, 5, 2, 3;
END $$;

CREATE FUNCTION ticket_map_cells__truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ticket_map_cells;
  RETURN NULL;
END $$;
CREATE TRIGGER tickets__map_cells_truncate AFTER TRUNCATE ON tickets
  FOR EACH STATEMENT EXECUTE FUNCTION ticket_map_cells__truncated();

-- A migration runs in one transaction; counting a city of millions takes longer than the
-- statement timeout a server's connections have.
SET LOCAL statement_timeout = 0;
SELECT misto_ticket_map_cells_rebuild();

-- The tickets of the two days the clock stands in, which the tile statement reads from tickets:
-- open ones by deadline (the status list is the open one of sql/tiles/tickets.sql without
-- done) and closed ones by closing time, each with its place, so that the index alone answers.
-- The second replaces the index of closing times of migration 0010, which the points of the
-- layer use too.
CREATE INDEX tickets_map_open_due_idx ON tickets (due_at) INCLUDE (location)
  WHERE status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened');
DROP INDEX tickets_map_closed_at_idx;
CREATE INDEX tickets_map_closed_at_idx ON tickets (closed_at) INCLUDE (location)
  WHERE status = 'closed';
