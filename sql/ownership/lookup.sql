-- The ownership lookup at a point ($lon, $lat) within $radius metres: point objects nearest first, network lines
-- passing within the radius, the service areas covering the point (the first per category is the one routing
-- picks), and for each object its owner, balance holder, evidence, standing claims and responsible party.
-- One statement, one round trip. The point is spelled out in each filter, not taken from a CTE, so that the
-- geography GiST index serves ST_DWithin and the KNN ordering (<->) with a constant. $limit objects of each
-- shape at most; one more is fetched to say whether the answer was cut. inside_city: within about 5 km (0.05°)
-- of a district, or anywhere while no districts are loaded.
WITH near_points AS (
  SELECT o.id, 'point' AS shape,
         ST_Distance(o.geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography) AS distance_m
  FROM objects o
  WHERE ST_DWithin(o.geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography, $radius::float8)
    AND GeometryType(o.geom) = 'POINT'
  ORDER BY o.geom::geography <-> ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography
  LIMIT $limit::integer + 1
),
near_lines AS (
  SELECT o.id, 'line' AS shape,
         ST_Distance(o.geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography) AS distance_m
  FROM objects o
  WHERE ST_DWithin(o.geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography, $radius::float8)
    AND GeometryType(o.geom) = 'LINESTRING'
  ORDER BY 3
  LIMIT $limit::integer + 1
),
near AS (
  SELECT n.*, row_number() OVER (PARTITION BY n.shape ORDER BY n.distance_m, n.id) AS rank
  FROM (SELECT * FROM near_points UNION ALL SELECT * FROM near_lines) n
),
described AS (
  SELECT n.shape, n.rank, jsonb_build_object(
           'id', o.id, 'kind', o.kind, 'kind_name_uk', k.name_uk, 'kind_name_en', k.name_en, 'label', o.label,
           'geometry', ST_AsGeoJSON(o.geom, 7)::jsonb,
           'distance_m', round(n.distance_m::numeric, 1),
           'ownership_status', o.ownership_status,
           'owner', CASE WHEN ow.id IS NOT NULL THEN jsonb_build_object('id', ow.id, 'code', ow.code, 'name', ow.name, 'is_executor', ow.is_executor) END,
           'balance_holder', CASE WHEN bh.id IS NOT NULL THEN jsonb_build_object('id', bh.id, 'code', bh.code, 'name', bh.name, 'is_executor', bh.is_executor) END,
           'evidence', CASE WHEN o.evidence_ref IS NOT NULL THEN jsonb_build_object(
             'ref', o.evidence_ref, 'date', o.evidence_date,
             'recorded_by', CASE WHEN eu.id IS NOT NULL THEN jsonb_build_object('id', eu.id, 'display_name', eu.display_name) END) END,
           'photos', o.photos,
           'open_claims', coalesce(claims.list, '[]'::jsonb),
           'responsible', jsonb_build_object(
             'organisation', CASE WHEN ro.id IS NOT NULL THEN jsonb_build_object('id', ro.id, 'code', ro.code, 'name', ro.name) END,
             'reason', rp.reason,
             'disputed_between', disputants.list)
         ) AS doc
  FROM near n
  JOIN objects o ON o.id = n.id
  JOIN object_kinds k ON k.code = o.kind
  LEFT JOIN organisations ow ON ow.id = o.owner_id
  LEFT JOIN organisations bh ON bh.id = o.balance_holder_id
  LEFT JOIN users eu ON eu.id = o.evidence_recorded_by
  LEFT JOIN LATERAL misto_responsible_party(o.id, $city_department::text) rp ON true
  LEFT JOIN organisations ro ON ro.id = rp.organisation_id
  LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object('id', d.id, 'code', d.code, 'name', d.name) ORDER BY d.id) AS list
    FROM organisations d
    WHERE rp.disputed_between IS NOT NULL
      AND d.id IN (SELECT jsonb_array_elements_text(rp.disputed_between)::integer)
  ) disputants ON true
  LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
             'id', c.id, 'claim', c.claim, 'role', c.role,
             'organisation', jsonb_build_object('id', co.id, 'code', co.code, 'name', co.name),
             'evidence_ref', c.evidence_ref, 'evidence_date', c.evidence_date,
             'filed_at', misto_utc(c.filed_at)) ORDER BY c.filed_at, c.id) AS list
    FROM ownership_claims c
    JOIN organisations co ON co.id = c.organisation_id
    WHERE c.object_id = o.id AND c.resolved_at IS NULL
  ) claims ON true
  WHERE n.rank <= $limit::integer
)
SELECT
  (NOT EXISTS (SELECT 1 FROM districts)
   OR EXISTS (SELECT 1 FROM districts d
              WHERE ST_DWithin(d.geom, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326), 0.05))) AS inside_city,
  coalesce((SELECT jsonb_agg(doc ORDER BY rank) FROM described WHERE shape = 'point'), '[]'::jsonb) AS objects,
  coalesce((SELECT jsonb_agg(doc ORDER BY rank) FROM described WHERE shape = 'line'), '[]'::jsonb) AS lines,
  EXISTS (SELECT 1 FROM near WHERE rank > $limit::integer) AS truncated,
  coalesce((
    SELECT jsonb_agg(jsonb_build_object(
             'id', a.id, 'name', a.name, 'category_code', a.category_code, 'category_name_uk', a.name_uk,
             'category_name_en', a.name_en, 'priority', a.priority, 'routes', a.pick = 1,
             'executor', jsonb_build_object('id', a.executor_id, 'code', a.executor_code, 'name', a.executor_name))
           ORDER BY a.category_code, a.pick)
    FROM (
      SELECT sa.id, sa.name, sa.category_code, c.name_uk, c.name_en, sa.priority, sa.executor_id,
             ex.code AS executor_code, ex.name AS executor_name,
             row_number() OVER (PARTITION BY sa.category_code ORDER BY sa.priority DESC, ST_Area(sa.geom), sa.id) AS pick
      FROM service_areas sa
      JOIN categories c ON c.code = sa.category_code
      JOIN organisations ex ON ex.id = sa.executor_id
      WHERE ST_Covers(sa.geom, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326))
    ) a
  ), '[]'::jsonb) AS service_areas
