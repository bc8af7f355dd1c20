-- Active and upcoming outages for the public map and list, optionally within a bounding box, with the same public columns as outages/get.
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
WHERE o.status IN ('scheduled', 'active')
  AND ($west::float8 IS NULL OR o.zone && ST_MakeEnvelope($west::float8, $south::float8, $east::float8, $north::float8, 4326))
ORDER BY o.starts_at DESC, o.id DESC
LIMIT $limit::int
