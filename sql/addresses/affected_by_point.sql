-- "Is my address affected?" for a point: live outages whose zone covers it, and those noticed at the nearest address within $nearM metres (a street range names houses, not ground); public fields only.
WITH p AS (
  SELECT ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326) AS g
),
near AS (
  SELECT a.id, a.label, a.point
  FROM p, addresses a
  WHERE ST_DWithin(a.point::geography, p.g::geography, $nearM::float8)
  ORDER BY a.point::geography <-> p.g::geography
  LIMIT 1
),
hits AS (
  SELECT DISTINCT ON (h.outage_id) h.outage_id, h.telephonogram_text
  FROM (
    SELECT o.id AS outage_id, NULL::text AS telephonogram_text
    FROM p JOIN outages o ON ST_Intersects(o.zone, p.g)
    WHERE o.status IN ('scheduled', 'active')
    UNION ALL
    SELECT t.outage_id, t.text
    FROM near JOIN telephonograms t ON t.address_id = near.id
    WHERE t.withdrawn_at IS NULL AND t.outage_id IS NOT NULL
  ) h
  ORDER BY h.outage_id, h.telephonogram_text NULLS LAST
)
SELECT json_build_object(
  'point', json_build_object('lon', ST_X(p.g), 'lat', ST_Y(p.g)),
  'address', (SELECT json_build_object('id', near.id, 'label', near.label, 'lon', ST_X(near.point), 'lat', ST_Y(near.point)) FROM near),
  'outages', coalesce((
    SELECT json_agg(json_build_object(
             'id', o.id, 'utility', o.utility, 'utility_name', u.name_uk, 'kind', o.kind, 'status', o.status,
             'starts_at', o.starts_at, 'ends_at', o.ends_at, 'public_text', o.public_text, 'telephonogram_text', hits.telephonogram_text,
             'executor', json_build_object('name', e.name, 'phone', e.public_phone))
           ORDER BY o.starts_at DESC, o.id DESC)
    FROM hits
    JOIN outages o ON o.id = hits.outage_id AND o.status IN ('scheduled', 'active')
    JOIN utilities u ON u.code = o.utility
    JOIN organisations e ON e.id = o.executor_id), '[]'::json),
  'notices', coalesce((
    SELECT json_agg(json_build_object('text', t.text, 'attached_at', t.attached_at, 'valid_until', t.valid_until)
           ORDER BY t.attached_at DESC, t.id DESC)
    FROM near JOIN telephonograms t ON t.address_id = near.id
    WHERE t.outage_id IS NULL AND t.withdrawn_at IS NULL
      AND (t.valid_until IS NULL OR t.valid_until > $now::timestamptz)), '[]'::json)
) AS affected
FROM p
