-- The ownership lookup at a point ($lon, $lat) within $radius metres: point objects nearest first, lines within the radius, the service areas covering the point, and who answers for each object; one row.
-- The statement is misto_ownership_lookup (migration 0015), in PL/pgSQL so that its plan is kept for
-- the connection: planning it again on every call cost more CPU than running it.
SELECT inside_city, objects, lines, truncated, service_areas
FROM misto_ownership_lookup($lon::float8, $lat::float8, $radius::float8, $limit::integer, $city_department::text)
