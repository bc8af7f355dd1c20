-- Attaches a manual telephonogram (no outage) with one text to each chosen address, and names the ids that are not addresses (the caller then rolls back).
WITH listed AS (
  SELECT DISTINCT value::integer AS id FROM jsonb_array_elements_text($addressIds::jsonb)
),
inserted AS (
  INSERT INTO telephonograms (outage_id, address_id, text, attached_at, attached_by, valid_until)
  SELECT NULL, a.id, $text::text, $now::timestamptz, $userId::int, $validUntil::timestamptz
  FROM addresses a JOIN listed l ON l.id = a.id
  RETURNING id, address_id
)
SELECT coalesce((SELECT jsonb_agg(jsonb_build_object('id', id, 'address_id', address_id) ORDER BY address_id) FROM inserted), '[]'::jsonb) AS telephonograms,
       coalesce((SELECT jsonb_agg(l.id ORDER BY l.id) FROM listed l WHERE NOT EXISTS (SELECT 1 FROM addresses a WHERE a.id = l.id)), '[]'::jsonb) AS missing_ids
