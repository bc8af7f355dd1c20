-- Tile layer "tickets" from z14 (tiles/layers.ts: TICKET_POINTS_FROM_ZOOM): each ticket a
-- point; below z14 the layer is clusters (ticket_clusters.sql). Public fields only: never the
-- reporter (ticket_contacts), the description, the address text or who took the call. Shown:
-- open tickets (the status list is the one of tickets_map_open_location_idx) and tickets
-- closed in the last 7 days; rejected and duplicate tickets are not city problems and stay
-- off the map.
-- Rows of a layer: geom (3857), properties (jsonb), expires_at (when the clock alone will
-- change the row: a deadline passing, a closed ticket leaving the map).
-- The tile's tickets are found by the spatial index first and only then put in order: asked
-- for both at once, the planner may walk the primary key backwards and test the newest
-- tickets of the whole city against the tile until it has 5,000.
WITH shown AS MATERIALIZED (
  SELECT t.id, t.category_code, t.status, t.created_at,
         misto_mercator_x(t.location) AS mx, misto_mercator_y(t.location) AS my,
         t.status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened')
           AND t.due_at <= $now::timestamptz AS overdue,
         CASE WHEN t.status = 'closed' THEN t.closed_at + interval '7 days'
              WHEN t.status <> 'done' AND t.due_at > $now::timestamptz THEN t.due_at END AS expires_at
  FROM tickets t CROSS JOIN bounds
  WHERE t.location && bounds.area
    AND (t.status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened', 'done')
         OR (t.status = 'closed' AND t.closed_at > $now::timestamptz - interval '7 days'))
)
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
FROM shown s
ORDER BY s.id DESC
LIMIT 5000
