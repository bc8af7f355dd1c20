-- What validating a ticket request needs from the database, in one round trip: the category and its
-- attribute definitions, the address (by id, or by the text typed), the object, the ticket it repeats
-- (resolved to the root original) and whether a chosen deadline class exists. NULL where not asked.
SELECT
  (SELECT jsonb_build_object('code', c.code, 'active', c.active, 'attributes', c.attributes)
   FROM categories c WHERE c.code = $category::text) AS category,
  (SELECT jsonb_build_object('id', a.id, 'lon', ST_X(a.point), 'lat', ST_Y(a.point), 'label', a.label)
   FROM addresses a WHERE a.id = $addressId::integer) AS address_by_id,
  (SELECT jsonb_build_object('id', a.id, 'lon', ST_X(a.point), 'lat', ST_Y(a.point), 'label', a.label)
   FROM addresses a, misto_search_key($addressString::text) AS wanted(key)
   WHERE $addressString::text IS NOT NULL
     AND (a.search_key = wanted.key OR a.search_key % wanted.key)
     AND (a.search_key = wanted.key OR similarity(a.search_key, wanted.key) >= 0.75)
   ORDER BY a.search_key = wanted.key DESC, similarity(a.search_key, wanted.key) DESC, a.id
   LIMIT 1) AS address_by_text,
  (SELECT jsonb_build_object('id', o.id, 'lon', ST_X(ST_PointOnSurface(o.geom)), 'lat', ST_Y(ST_PointOnSurface(o.geom)))
   FROM objects o WHERE o.id = $objectId::bigint) AS object,
  (SELECT jsonb_build_object('id', root.id, 'open', s.is_open, 'category', root.category_code)
   FROM tickets t
   JOIN tickets root ON root.id = coalesce(t.duplicate_of, t.id)
   JOIN ticket_statuses s ON s.code = root.status
   WHERE t.id = $duplicateOf::bigint) AS duplicate_of,
  (SELECT true FROM deadline_classes dc WHERE dc.code = $deadlineClass::text) AS deadline_class_exists
