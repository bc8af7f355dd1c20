-- Tile layer "tickets": below z14 one cluster per 64-pixel cell of the tile with its counts,
-- from z14 each ticket. Public fields only: never the reporter (ticket_contacts), the
-- description, the address text or who took the call. Shown: open tickets (the status list
-- is the one of tickets_map_open_location_idx) and tickets closed in the last 7 days;
-- rejected and duplicate tickets are not city problems and stay off the map.
-- Rows of a layer: geom (3857), properties (jsonb), expires_at (when the clock alone will
-- change the row: a deadline passing, a closed ticket leaving the map).
WITH shown AS (
  SELECT t.id, t.category_code, t.status, t.created_at,
         ST_Transform(t.location, 3857) AS geom,
         t.status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened')
           AND t.due_at <= $now::timestamptz AS overdue,
         CASE WHEN t.status = 'closed' THEN t.closed_at + interval '7 days'
              WHEN t.status <> 'done' AND t.due_at > $now::timestamptz THEN t.due_at END AS expires_at
  FROM tickets t CROSS JOIN bounds
  WHERE t.location && bounds.area
    AND (t.status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened', 'done')
         OR (t.status = 'closed' AND t.closed_at > $now::timestamptz - interval '7 days'))
)
(
  -- Clusters count each ticket in exactly one tile (half-open on the tile's edges, unlike the
  -- buffered area), so the counts of a tile add up to the tickets in it.
  SELECT ST_SetSRID(ST_MakePoint(avg(ST_X(c.geom)), avg(ST_Y(c.geom))), 3857) AS geom,
         jsonb_build_object(
           'count', count(*),
           'open_count', count(*) FILTER (WHERE c.status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened')),
           'done_count', count(*) FILTER (WHERE c.status = 'done'),
           'closed_count', count(*) FILTER (WHERE c.status = 'closed'),
           'overdue_count', count(*) FILTER (WHERE c.overdue)) AS properties,
         min(c.expires_at) AS expires_at
  FROM (
    SELECT s.geom, s.status, s.overdue, s.expires_at,
           floor((ST_X(s.geom) - ST_XMin(bounds.tile)) * 8 / (ST_XMax(bounds.tile) - ST_XMin(bounds.tile))) AS cell_x,
           floor((ST_YMax(bounds.tile) - ST_Y(s.geom)) * 8 / (ST_YMax(bounds.tile) - ST_YMin(bounds.tile))) AS cell_y
    FROM shown s CROSS JOIN bounds
    WHERE $z::integer < 14
      AND ST_X(s.geom) >= ST_XMin(bounds.tile) AND ST_X(s.geom) < ST_XMax(bounds.tile)
      AND ST_Y(s.geom) > ST_YMin(bounds.tile) AND ST_Y(s.geom) <= ST_YMax(bounds.tile)
  ) c
  GROUP BY c.cell_x, c.cell_y
  ORDER BY c.cell_y, c.cell_x
)
UNION ALL
(
  -- A tile holds at most 5,000 tickets, the newest: a limit without an order would make two
  -- servers draw different tickets for the same tile.
  SELECT s.geom,
         jsonb_build_object(
           'id', s.id,
           'category', s.category_code,
           'status', s.status,
           'created_at', to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'overdue', s.overdue) AS properties,
         s.expires_at
  FROM shown s
  WHERE $z::integer >= 14
  ORDER BY s.id DESC
  LIMIT 5000
)
