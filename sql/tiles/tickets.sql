-- Tile layer "tickets": below z14 one cluster per 64-pixel cell of the tile with its counts,
-- from z14 each ticket. Public fields only: never the reporter (ticket_contacts), the
-- description, the address text or who took the call. Shown: open tickets (the status list
-- is the one of tickets_map_open_location_idx) and tickets closed in the last 7 days;
-- rejected and duplicate tickets are not city problems and stay off the map.
-- Rows of a layer: geom (3857), properties (jsonb), expires_at (when the clock alone will
-- change the row: a deadline passing, a closed ticket leaving the map).
WITH shown AS NOT MATERIALIZED (
  -- Web Mercator by its formula (EPSG:3857 is the spherical Mercator on the WGS 84 radius,
  -- latitude clamped where the projection ends): the numbers ST_Transform gives, at a fraction
  -- of its cost per row, which counts when a low-zoom tile takes every ticket of the city.
  SELECT t.id, t.category_code, t.status, t.created_at,
         6378137 * radians(ST_X(t.location)) AS mx,
         6378137 * ln(tan(pi() / 4 + radians(greatest(-85.0511287798066, least(85.0511287798066, ST_Y(t.location)))) / 2)) AS my,
         t.status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened')
           AND t.due_at <= $now::timestamptz AS overdue,
         CASE WHEN t.status = 'closed' THEN t.closed_at + interval '7 days'
              WHEN t.status <> 'done' AND t.due_at > $now::timestamptz THEN t.due_at END AS expires_at
  FROM tickets t CROSS JOIN bounds
  WHERE t.location && bounds.area
    AND (t.status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened', 'done')
         OR (t.status = 'closed' AND t.closed_at > $now::timestamptz - interval '7 days'))
),
-- Below, each branch reads only what it needs of "shown" and the one its zoom rules out is
-- never run. From z14 the tile's tickets are found by the spatial index first and only then
-- put in order: asked for both at once, the planner may walk the primary key backwards and
-- test the newest tickets of the whole city against the tile until it has 5,000.
points AS MATERIALIZED (
  SELECT * FROM shown WHERE $z::integer >= 14
)
(
  -- Clusters count each ticket in exactly one tile (half-open on the tile's edges, unlike the
  -- buffered area), so the counts of a tile add up to the tickets in it.
  SELECT ST_SetSRID(ST_MakePoint(avg(c.mx), avg(c.my)), 3857) AS geom,
         jsonb_build_object(
           'count', count(*),
           'open_count', count(*) FILTER (WHERE c.status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened')),
           'done_count', count(*) FILTER (WHERE c.status = 'done'),
           'closed_count', count(*) FILTER (WHERE c.status = 'closed'),
           'overdue_count', count(*) FILTER (WHERE c.overdue)) AS properties,
         min(c.expires_at) AS expires_at
  FROM (
    SELECT s.mx, s.my, s.status, s.overdue, s.expires_at,
           floor((s.mx - ST_XMin(bounds.tile)) * 8 / (ST_XMax(bounds.tile) - ST_XMin(bounds.tile))) AS cell_x,
           floor((ST_YMax(bounds.tile) - s.my) * 8 / (ST_YMax(bounds.tile) - ST_YMin(bounds.tile))) AS cell_y
    FROM shown s CROSS JOIN bounds
    WHERE $z::integer < 14
      AND s.mx >= ST_XMin(bounds.tile) AND s.mx < ST_XMax(bounds.tile)
      AND s.my > ST_YMin(bounds.tile) AND s.my <= ST_YMax(bounds.tile)
  ) c
  GROUP BY c.cell_x, c.cell_y
  ORDER BY c.cell_y, c.cell_x
)
UNION ALL
(
  -- A tile holds at most 5,000 tickets, the newest: a limit without an order would make two
  -- servers draw different tickets for the same tile.
  SELECT ST_SetSRID(ST_MakePoint(s.mx, s.my), 3857) AS geom,
         jsonb_build_object(
           'id', s.id,
           'category', s.category_code,
           'status', s.status,
           'created_at', to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'overdue', s.overdue) AS properties,
         s.expires_at
  FROM points s
  ORDER BY s.id DESC
  LIMIT 5000
)
