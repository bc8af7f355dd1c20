-- One outage as the public sees it: what, when, who, where (the zone as GeoJSON) and how many addresses hold its notice; nothing about who entered it.
SELECT o.id, o.utility, u.name_uk AS utility_name, o.kind, o.status, o.starts_at, o.ends_at, o.public_text,
       e.id AS executor_id, e.name AS executor_name, e.public_phone AS executor_phone,
       o.zone_source, ST_AsGeoJSON(o.zone, 6)::json AS zone, o.buffer_m, o.source_object_id,
       o.street_id, s.name AS street_name, o.house_from, o.house_to, o.house_parity, o.address_ids,
       (SELECT count(*)::int FROM telephonograms t WHERE t.outage_id = o.id AND t.withdrawn_at IS NULL) AS address_count,
       o.version, o.updated_at
FROM outages o
JOIN utilities u ON u.code = o.utility
JOIN organisations e ON e.id = o.executor_id
LEFT JOIN streets s ON s.id = o.street_id
WHERE o.id = $id::bigint
