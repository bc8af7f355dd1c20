-- Open tickets of a category within a radius of a point and registered within a time window before
-- now: what a new ticket there probably repeats, nearest first.
-- Intake applies the same rule inside misto_intake_ticket() (migration 0012): change both together.
WITH point AS (
  SELECT ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography AS geog
)
SELECT t.id, t.status, t.created_at, t.description,
       round(ST_Distance(t.location::geography, point.geog)::numeric, 1)::float8 AS distance_m
FROM tickets t
JOIN ticket_statuses s ON s.code = t.status AND s.is_open
CROSS JOIN point
WHERE t.category_code = $category::text
  AND t.duplicate_of IS NULL
  AND t.created_at > $now::timestamptz - $windowHours::float8 * interval '1 hour'
  AND t.created_at <= $now::timestamptz
  AND ST_DWithin(t.location::geography, point.geog, $radiusM::float8)
ORDER BY distance_m, t.created_at DESC
LIMIT 10
