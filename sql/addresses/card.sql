-- The operator's address card in one round trip: the address; its live outages with the telephonogram text to read out and its manual notices; open tickets at and around it; the last closed there; objects nearby with their owners.
-- Outages come through the address's live telephonograms (the zone join was done when they
-- were attached); tickets and objects through the geography GiST indexes within $radiusM, open
-- tickets through the partial index that holds only open ones (its predicate is repeated here).
-- Nothing from ticket_contacts: the card shows the city's work, not who called.
-- Distances are on the sphere (use_spheroid false): a card sorts a hundred or two of them, the
-- spheroid costs two to three times as much per distance, and within a radius of a kilometre the
-- two differ by under 0.5 %.
WITH a AS (
  SELECT a.id, a.label, a.house_number, a.point, a.point::geography AS g, a.levels, a.street_id, s.name AS street, d.name AS district
  FROM addresses a
  JOIN streets s ON s.id = a.street_id
  LEFT JOIN districts d ON d.id = a.district_id
  WHERE a.id = $id::int
),
open_tickets AS (
  SELECT t.id, t.status, t.category_code AS category, c.name_uk AS category_name, t.created_at, t.due_at,
         t.executor_id, e.name AS executor_name, t.outage_id, t.address_id IS NOT DISTINCT FROM a.id AS at_address,
         round(ST_Distance(t.location::geography, a.g, false)::numeric, 1)::float8 AS distance_m,
         left(t.description, 200) AS description
  FROM a
  JOIN (
    SELECT t.id FROM a JOIN tickets t ON ST_DWithin(t.location::geography, a.g, $radiusM::float8)
    WHERE t.status NOT IN ('closed', 'rejected', 'duplicate')
    UNION
    SELECT t.id FROM a JOIN tickets t ON t.address_id = a.id
    WHERE t.status NOT IN ('closed', 'rejected', 'duplicate')
  ) near ON true
  JOIN tickets t ON t.id = near.id
  JOIN ticket_statuses st ON st.code = t.status AND st.is_open
  JOIN categories c ON c.code = t.category_code
  JOIN organisations e ON e.id = t.executor_id
)
SELECT json_build_object(
  'address', json_build_object(
    'id', a.id, 'label', a.label, 'street', json_build_object('id', a.street_id, 'name', a.street),
    'house_number', a.house_number, 'district', a.district, 'levels', a.levels,
    'lon', ST_X(a.point), 'lat', ST_Y(a.point)),
  'radius_m', $radiusM::float8,
  'outages', coalesce((
    SELECT json_agg(json_build_object(
             'id', o.id, 'utility', o.utility, 'utility_name', u.name_uk, 'kind', o.kind, 'status', o.status,
             'starts_at', o.starts_at, 'ends_at', o.ends_at, 'public_text', o.public_text,
             'executor', json_build_object('id', e.id, 'name', e.name, 'phone', e.public_phone),
             'telephonogram', json_build_object('id', t.id, 'text', t.text, 'attached_at', t.attached_at))
           ORDER BY o.starts_at DESC, o.id DESC)
    FROM telephonograms t
    JOIN outages o ON o.id = t.outage_id
    JOIN utilities u ON u.code = o.utility
    JOIN organisations e ON e.id = o.executor_id
    WHERE t.address_id = a.id AND t.withdrawn_at IS NULL AND o.status IN ('scheduled', 'active')), '[]'::json),
  'manual_telephonograms', coalesce((
    SELECT json_agg(json_build_object('id', t.id, 'text', t.text, 'attached_at', t.attached_at, 'valid_until', t.valid_until)
           ORDER BY t.attached_at DESC, t.id DESC)
    FROM telephonograms t
    WHERE t.address_id = a.id AND t.outage_id IS NULL AND t.withdrawn_at IS NULL
      AND (t.valid_until IS NULL OR t.valid_until > $now::timestamptz)), '[]'::json),
  'open_tickets', coalesce((
    SELECT json_agg(x ORDER BY x.at_address DESC, x.distance_m, x.created_at DESC, x.id)
    FROM (
      SELECT * FROM open_tickets
      ORDER BY at_address DESC, distance_m, created_at DESC, id
      LIMIT $ticketLimit::int
    ) x), '[]'::json),
  'open_ticket_count', (SELECT count(*)::int FROM open_tickets),
  'closed_tickets', coalesce((
    SELECT json_agg(x ORDER BY x.closed_at DESC NULLS LAST, x.id DESC)
    FROM (
      SELECT t.id, t.status, t.category_code AS category, c.name_uk AS category_name, t.created_at,
             coalesce(t.closed_at, t.updated_at) AS closed_at, t.completion_note, t.rating
      FROM tickets t
      JOIN ticket_statuses st ON st.code = t.status AND NOT st.is_open
      JOIN categories c ON c.code = t.category_code
      WHERE t.address_id = a.id
      ORDER BY coalesce(t.closed_at, t.updated_at) DESC, t.id DESC
      LIMIT $closedLimit::int
    ) x), '[]'::json),
  'objects', coalesce((
    SELECT json_agg(x ORDER BY x.distance_m, x.id)
    FROM (
      SELECT o.id, o.kind, k.name_uk AS kind_name, o.label, o.ownership_status,
             CASE WHEN ow.id IS NOT NULL THEN json_build_object('id', ow.id, 'name', ow.name, 'phone', ow.public_phone) END AS owner,
             CASE WHEN bh.id IS NOT NULL THEN json_build_object('id', bh.id, 'name', bh.name, 'phone', bh.public_phone) END AS balance_holder,
             round(ST_Distance(o.geom::geography, a.g, false)::numeric, 1)::float8 AS distance_m
      FROM objects o
      JOIN object_kinds k ON k.code = o.kind
      LEFT JOIN organisations ow ON ow.id = o.owner_id
      LEFT JOIN organisations bh ON bh.id = o.balance_holder_id
      WHERE ST_DWithin(o.geom::geography, a.g, $radiusM::float8)
      ORDER BY distance_m, o.id
      LIMIT $objectLimit::int
    ) x), '[]'::json)
) AS card
FROM a
