-- "Is my address affected?": the live outages and planned works whose telephonogram stands at an address, and its live manual notices; public fields only.
WITH a AS (
  SELECT a.id, a.label, a.point FROM addresses a WHERE a.id = $id::int
)
SELECT json_build_object(
  'address', json_build_object('id', a.id, 'label', a.label, 'lon', ST_X(a.point), 'lat', ST_Y(a.point)),
  'outages', coalesce((
    SELECT json_agg(json_build_object(
             'id', o.id, 'utility', o.utility, 'utility_name', u.name_uk, 'kind', o.kind, 'status', o.status,
             'starts_at', o.starts_at, 'ends_at', o.ends_at, 'public_text', o.public_text, 'telephonogram_text', t.text,
             'executor', json_build_object('name', e.name, 'phone', e.public_phone))
           ORDER BY o.starts_at DESC, o.id DESC)
    FROM telephonograms t
    JOIN outages o ON o.id = t.outage_id
    JOIN utilities u ON u.code = o.utility
    JOIN organisations e ON e.id = o.executor_id
    WHERE t.address_id = a.id AND t.withdrawn_at IS NULL AND o.status IN ('scheduled', 'active')), '[]'::json),
  'notices', coalesce((
    SELECT json_agg(json_build_object('text', t.text, 'attached_at', t.attached_at, 'valid_until', t.valid_until)
           ORDER BY t.attached_at DESC, t.id DESC)
    FROM telephonograms t
    WHERE t.address_id = a.id AND t.outage_id IS NULL AND t.withdrawn_at IS NULL
      AND (t.valid_until IS NULL OR t.valid_until > $now::timestamptz)), '[]'::json)
) AS affected
FROM a
