-- Reverse lookup: the addresses nearest to a point within $maxM metres, nearest first (KNN on the geography GiST index of addresses.point).
WITH p AS (
  SELECT ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography AS g
),
near AS (
  SELECT a.id, a.label, a.street_id, a.house_number, a.point, ST_Distance(a.point::geography, p.g) AS distance_m
  FROM p
  CROSS JOIN LATERAL (
    SELECT * FROM addresses a ORDER BY a.point::geography <-> p.g LIMIT $limit::int
  ) a
)
SELECT near.id, near.label, s.name AS street, near.house_number, ST_X(near.point) AS lon, ST_Y(near.point) AS lat,
       round(near.distance_m::numeric, 1)::float8 AS distance_m
FROM near
JOIN streets s ON s.id = near.street_id
WHERE near.distance_m <= $maxM::float8
ORDER BY near.distance_m, near.id
