-- Tile layer "tickets" below z14 (tiles/layers.ts: TICKET_POINTS_FROM_ZOOM): one cluster per
-- 64-pixel cell of the tile, with its counts; from z14 each ticket is a point (tickets.sql).
-- Counted are the tickets that layer shows: open, done, and closed in the last 7 days.
-- Rows of a layer: geom (3857), properties (jsonb), expires_at (when the clock alone will
-- change the row: a deadline passing, a closed ticket leaving the map).
--
-- A cluster is a cell of zoom z + 3. The counts come from ticket_map_cells (migration 0011),
-- whose triggers keep per cell the open, done and closed tickets, the closed by day of closing
-- and the open again by day of deadline: the days the clock has wholly passed or not reached
-- are read there, and the tickets of the two days it stands in (deadlines later today, closed
-- on the day seven days back) from tickets, through small indexes. At most 256 cells a tile
-- (z7 to z13), however many tickets the city has.
WITH grid AS (
  SELECT level,
         level - $z::integer AS to_tile,
         level - $z::integer - 3 AS to_cluster,
         misto_utc_day($now::timestamptz) AS today,
         -- Closed tickets closed after this are shown; of the UTC day it falls on, only some.
         $now::timestamptz - interval '7 days' AS shown_since,
         misto_utc_day($now::timestamptz - interval '7 days') AS split_day
  FROM (SELECT CASE WHEN $z::integer >= 13 THEN 16 WHEN $z::integer >= 11 THEN 15 ELSE 13 END AS level) l
),
cells AS (
  SELECT g.to_cluster, $x::integer << g.to_tile AS x0, (($x::integer + 1) << g.to_tile) - 1 AS x1,
         $y::integer << g.to_tile AS y0, (($y::integer + 1) << g.to_tile) - 1 AS y1
  FROM grid g
),
counted AS (
  SELECT m.x >> c.to_cluster AS cx, m.y >> c.to_cluster AS cy,
         CASE WHEN m.kind = 'open' THEN m.n ELSE 0 END AS open_n,
         CASE WHEN m.kind = 'done' THEN m.n ELSE 0 END AS done_n,
         0 AS closed_n, 0 AS not_overdue_n, m.sum_mx, m.sum_my, NULL::timestamptz AS expires_at
  FROM grid g CROSS JOIN cells c
  JOIN ticket_map_cells m ON m.z = g.level AND m.kind IN ('open', 'done') AND m.day = 0
  WHERE m.x BETWEEN c.x0 AND c.x1 AND m.y BETWEEN c.y0 AND c.y1 AND m.n <> 0
  UNION ALL
  -- Open tickets due after today are not overdue; the first of those days to come is when
  -- the tile may change.
  SELECT m.x >> c.to_cluster, m.y >> c.to_cluster, 0, 0, 0, m.n, 0, 0, to_timestamp(m.day * 86400.0)
  FROM grid g CROSS JOIN cells c
  JOIN ticket_map_cells m ON m.z = g.level AND m.kind = 'due' AND m.day > g.today
  WHERE m.x BETWEEN c.x0 AND c.x1 AND m.y BETWEEN c.y0 AND c.y1 AND m.n <> 0
  UNION ALL
  -- Closed tickets of the days after the one seven days back are shown; they start to leave
  -- the map seven days after their day began.
  SELECT m.x >> c.to_cluster, m.y >> c.to_cluster, 0, 0, m.n, 0, m.sum_mx, m.sum_my,
         to_timestamp(m.day * 86400.0) + interval '7 days'
  FROM grid g CROSS JOIN cells c
  JOIN ticket_map_cells m ON m.z = g.level AND m.kind = 'closed' AND m.day > g.split_day
  WHERE m.x BETWEEN c.x0 AND c.x1 AND m.y BETWEEN c.y0 AND c.y1 AND m.n <> 0
),
split_days AS (
  -- Open tickets due later today: not overdue yet, each until its deadline.
  SELECT t.location, 0 AS closed_n, 1 AS not_overdue_n, t.due_at AS expires_at
  FROM grid g
  JOIN tickets t ON t.status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened')
    AND t.due_at > $now::timestamptz AND t.due_at < to_timestamp((g.today + 1) * 86400.0)
  UNION ALL
  -- Closed tickets of the day seven days back that are still shown, each until seven days
  -- after it was closed.
  SELECT t.location, 1, 0, t.closed_at + interval '7 days'
  FROM grid g
  JOIN tickets t ON t.status = 'closed'
    AND t.closed_at > g.shown_since AND t.closed_at < to_timestamp((g.split_day + 1) * 86400.0)
),
volatile AS (
  SELECT misto_tile_column(t.location, $z::integer + 3) AS cx, misto_tile_row(t.location, $z::integer + 3) AS cy,
         0 AS open_n, 0 AS done_n, t.closed_n, t.not_overdue_n,
         CASE WHEN t.closed_n = 1 THEN misto_mercator_x(t.location) ELSE 0 END AS sum_mx,
         CASE WHEN t.closed_n = 1 THEN misto_mercator_y(t.location) ELSE 0 END AS sum_my,
         t.expires_at
  FROM split_days t
)
-- Each ticket is counted in exactly one tile (its cell), so the counts of a tile add up to
-- the tickets in it.
SELECT ST_SetSRID(ST_MakePoint(sum(c.sum_mx) / sum(c.open_n + c.done_n + c.closed_n),
                               sum(c.sum_my) / sum(c.open_n + c.done_n + c.closed_n)), 3857) AS geom,
       jsonb_build_object(
         'count', sum(c.open_n + c.done_n + c.closed_n),
         'open_count', sum(c.open_n),
         'done_count', sum(c.done_n),
         'closed_count', sum(c.closed_n),
         'overdue_count', sum(c.open_n) - sum(c.not_overdue_n)) AS properties,
       min(c.expires_at) AS expires_at
FROM (
  SELECT * FROM counted
  UNION ALL
  SELECT * FROM volatile v WHERE v.cx >> 3 = $x::integer AND v.cy >> 3 = $y::integer
) c
GROUP BY c.cx, c.cy
HAVING sum(c.open_n + c.done_n + c.closed_n) > 0
ORDER BY c.cy, c.cx
