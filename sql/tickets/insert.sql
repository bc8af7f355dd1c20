-- Registers a ticket: deadlines from its class (or the category's own hours), the address under or
-- next to its point, the reporter's private contact row, and the 'created' event — one statement.
WITH point AS (
  SELECT ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326) AS geom
), deadline AS (
  SELECT dc.code,
         -- A category's own hours override its class, unless an operator chose another class.
         CASE WHEN $deadlineClass::text IS NULL THEN coalesce(c.deadline_hours, dc.hours) ELSE dc.hours END AS hours,
         dc.accept_minutes
  FROM categories c
  JOIN deadline_classes dc ON dc.code = coalesce($deadlineClass::text, c.deadline_class)
  WHERE c.code = $category::text
), ticket AS (
  INSERT INTO tickets (category_code, status, description, attributes, media_url, location, address_id, address_text,
                       source, api_key_id, created_by, executor_id, routed_by, needs_routing, object_id, duplicate_of,
                       deadline_class, created_at, updated_at, accept_due_at, due_at, cause, premises_access, caller_informed)
  SELECT $category::text, $status::text, $description::text, $attributes::jsonb, $mediaUrl::text, point.geom,
         coalesce($addressId::integer,
                  -- The building the point is on, else the nearest address point within 30 m.
                  (SELECT a.id FROM addresses a WHERE ST_Intersects(a.footprint, point.geom) ORDER BY a.id LIMIT 1),
                  (SELECT a.id FROM addresses a WHERE ST_DWithin(a.point::geography, point.geom::geography, 30)
                   ORDER BY a.point::geography <-> point.geom::geography LIMIT 1)),
         $addressText::text, $source::text, $apiKeyId::integer, $createdBy::integer, $executorId::integer, $routedBy::text,
         $needsRouting::boolean, $objectId::bigint, $duplicateOf::bigint, deadline.code, $now::timestamptz, $now::timestamptz,
         $now::timestamptz + make_interval(mins => deadline.accept_minutes),
         $now::timestamptz + make_interval(hours => deadline.hours),
         $cause::text, $premisesAccess::text, $callerInformed::boolean
  FROM point, deadline
  RETURNING id, token, status, category_code, deadline_class, created_at, accept_due_at, due_at
), contact AS (
  INSERT INTO ticket_contacts (ticket_id, first_name, last_name, email, phone, device_id)
  SELECT ticket.id, $firstName::text, $lastName::text, $email::text, $phone::text, $deviceId::text
  FROM ticket
  WHERE coalesce($firstName::text, $lastName::text, $email::text, $phone::text, $deviceId::text) IS NOT NULL
), created AS (
  INSERT INTO ticket_events (ticket_id, at, kind, actor_user_id, actor_kind, to_status, public, data)
  SELECT ticket.id, $now::timestamptz, 'created', $actorUserId::integer, $actorKind::text, ticket.status, true, $eventData::jsonb
  FROM ticket
)
SELECT id, token::text AS token, status, category_code, deadline_class, created_at, accept_due_at, due_at FROM ticket
