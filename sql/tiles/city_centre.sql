-- The middle of the city's addresses, where the map opens (no row while there are none).
SELECT ST_X(c.centre) AS lon, ST_Y(c.centre) AS lat
FROM (SELECT ST_Centroid(ST_Extent(a.point)::geometry) AS centre FROM addresses a) c
WHERE c.centre IS NOT NULL
