-- Ticket intake in one function (misto_intake_ticket), so that an intake transaction is one round trip and its plan is made once per connection.
--
-- Why a function and not a named query: a query sent by the driver is planned on every call, and
-- planning this one cost the database about 5 ms of CPU, more than a whole call with the plan kept
-- (under 3 ms; both measured on bench/run.ts's --small city). A plan made inside PL/pgSQL is kept
-- for the connection. server/tickets/intake.ts calls it through sql/tickets/intake.sql.
--
-- What it does, in one statement: the actor for the audit trail, routing, duplicate candidates,
-- deadlines, the address under the point, the ticket, its private contact row, its events, the live
-- outage that explains it, and what the reporter is told (who handles it, by when; a duplicate's
-- original). No row: there is no executor at all (no service area and no default executor).
-- The request is one JSON document, typed by jsonb_to_record below.
-- Rules kept the same as the stand-alone queries that the previews before submit run: routing as
-- sql/tickets/route.sql, candidates as sql/tickets/duplicate-candidates.sql, the outage as
-- sql/outages/link_ticket.sql and sql/outages/explaining.sql.
CREATE OR REPLACE FUNCTION misto_intake_ticket(request jsonb)
RETURNS TABLE (
  id bigint, token text, status text, category_code text, deadline_class text,
  created_at timestamptz, accept_due_at timestamptz, due_at timestamptz,
  executor_id integer, executor_code text, executor_name text, executor_phone text,
  routed_by text, needs_routing boolean, service_area_id integer,
  outage_id bigint, outage_public_text text, outage_ends_at timestamptz,
  duplicate_candidates jsonb,
  original_executor_name text, original_due_at timestamptz, original_needs_routing boolean
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH input AS (
    SELECT i.*, ST_SetSRID(ST_MakePoint(i.lon, i.lat), 4326) AS geom
    FROM jsonb_to_record(request) AS i(
      now timestamptz, audit_actor text, actor_user_id integer, actor_kind text,
      category text, status text, deadline_class text, lon float8, lat float8,
      address_id integer, address_text text, description text, attributes jsonb, media_url text,
      source text, api_key_id integer, created_by integer, object_id bigint, duplicate_of bigint,
      cause text, premises_access text, caller_informed boolean,
      first_name text, last_name text, email text, phone text, device_id text,
      -- Routing by object is decided before (server/ownership/responsible.ts): its organisation and why.
      object_executor_id integer, object_reason text,
      default_executor text, duplicate_radius_m float8, duplicate_window_hours float8)
  ), actor AS (
    -- Set before the insert's rows exist, so the audit trigger (run at the statement's end) names the actor.
    SELECT set_config('misto.actor', input.audit_actor, true) AS actor FROM input
  ), covering AS (
    SELECT sa.id AS service_area_id, sa.executor_id
    FROM input
    JOIN service_areas sa ON sa.category_code = input.category AND ST_Intersects(sa.geom, input.geom)
    ORDER BY sa.priority DESC, ST_Area(sa.geom::geography), sa.id
    LIMIT 1
  ), route AS (
    -- The object's responsible party, else the covering service area, else the default executor, flagged.
    SELECT o.id AS executor_id, o.code AS executor_code, o.name AS executor_name, o.public_phone AS executor_phone,
           chosen.routed_by, chosen.needs_routing, chosen.service_area_id, chosen.reason
    FROM (
      SELECT input.object_executor_id AS executor_id, NULL::integer AS service_area_id, 'object' AS routed_by,
             false AS needs_routing, input.object_reason AS reason, 1 AS rank
      FROM input WHERE input.object_executor_id IS NOT NULL
      UNION ALL
      SELECT covering.executor_id, covering.service_area_id, 'service_area', false, NULL, 2 FROM covering
      UNION ALL
      SELECT d.id, NULL, 'default', true, NULL, 3 FROM input JOIN organisations d ON d.code = input.default_executor
    ) chosen
    JOIN organisations o ON o.id = chosen.executor_id
    ORDER BY chosen.rank
    LIMIT 1
  ), candidates AS (
    -- Not asked when the reporter already names the ticket this one repeats.
    SELECT t.id, t.status, t.created_at, t.description,
           round(ST_Distance(t.location::geography, input.geom::geography)::numeric, 1)::float8 AS distance_m
    FROM input
    JOIN tickets t ON t.category_code = input.category
      AND t.duplicate_of IS NULL
      AND t.created_at > input.now - input.duplicate_window_hours * interval '1 hour'
      AND t.created_at <= input.now
      AND ST_DWithin(t.location::geography, input.geom::geography, input.duplicate_radius_m)
    JOIN ticket_statuses s ON s.code = t.status AND s.is_open
    WHERE input.duplicate_of IS NULL
    ORDER BY distance_m, t.created_at DESC
    LIMIT 10
  ), deadline AS (
    SELECT dc.code,
           -- A category's own hours override its class, unless an operator chose another class.
           CASE WHEN input.deadline_class IS NULL THEN coalesce(c.deadline_hours, dc.hours) ELSE dc.hours END AS hours,
           dc.accept_minutes, c.utility
    FROM input
    JOIN categories c ON c.code = input.category
    JOIN deadline_classes dc ON dc.code = coalesce(input.deadline_class, c.deadline_class)
  ), outage AS (
    -- Only a new ticket of a utility's category waits on an outage. FOR SHARE: a resolve that commits
    -- meanwhile either waits for this link or is seen by it (then nothing is linked).
    SELECT o.id, o.public_text, o.ends_at
    FROM input
    JOIN deadline ON deadline.utility IS NOT NULL
    JOIN outages o ON o.utility = deadline.utility AND ST_Intersects(o.zone, input.geom)
    WHERE input.status = 'new'
      AND o.status IN ('scheduled', 'active')
      AND o.starts_at <= input.now
      AND (o.ends_at IS NULL OR o.ends_at > input.now)
    ORDER BY (o.kind = 'emergency') DESC, o.starts_at DESC, o.id DESC
    LIMIT 1
    FOR SHARE OF o
  ), ticket AS (
    INSERT INTO tickets (category_code, status, description, attributes, media_url, location, address_id, address_text,
                         source, api_key_id, created_by, executor_id, routed_by, needs_routing, object_id, duplicate_of,
                         outage_id, deadline_class, created_at, updated_at, accept_due_at, due_at,
                         cause, premises_access, caller_informed)
    SELECT input.category, input.status, input.description, input.attributes, input.media_url, input.geom,
           coalesce(input.address_id,
                    -- The building the point is on, else the nearest address point within 30 m.
                    (SELECT a.id FROM addresses a WHERE ST_Intersects(a.footprint, input.geom) ORDER BY a.id LIMIT 1),
                    (SELECT a.id FROM addresses a WHERE ST_DWithin(a.point::geography, input.geom::geography, 30)
                     ORDER BY a.point::geography <-> input.geom::geography LIMIT 1)),
           input.address_text, input.source, input.api_key_id, input.created_by, route.executor_id, route.routed_by,
           route.needs_routing, input.object_id, input.duplicate_of, (SELECT outage.id FROM outage), deadline.code,
           input.now, input.now,
           input.now + make_interval(mins => deadline.accept_minutes),
           input.now + make_interval(hours => deadline.hours),
           input.cause, input.premises_access, input.caller_informed
    FROM input, actor, route, deadline
    RETURNING id, token, status, category_code, deadline_class, created_at, accept_due_at, due_at, outage_id
  ), contact AS (
    INSERT INTO ticket_contacts (ticket_id, first_name, last_name, email, phone, device_id)
    SELECT ticket.id, input.first_name, input.last_name, input.email, input.phone, input.device_id
    FROM ticket, input
    WHERE coalesce(input.first_name, input.last_name, input.email, input.phone, input.device_id) IS NOT NULL
  ), events AS (
    -- In this order (ids follow it): created; a duplicate's link on it and on its original; the outage link.
    INSERT INTO ticket_events (ticket_id, at, kind, actor_user_id, actor_kind, to_status, note, public, data)
    SELECT e.ticket_id, input.now, e.kind, e.actor_user_id, e.actor_kind, e.to_status, e.note, e.public, e.data
    FROM input
    CROSS JOIN ticket
    CROSS JOIN route
    LEFT JOIN outage ON true
    CROSS JOIN LATERAL (VALUES
      (1, ticket.id, 'created', input.actor_user_id, input.actor_kind, ticket.status, NULL::text, true,
       jsonb_build_object('source', input.source, 'executor_id', route.executor_id, 'routed_by', route.routed_by,
                          'needs_routing', route.needs_routing, 'service_area_id', route.service_area_id)
         || CASE WHEN route.reason IS NOT NULL THEN jsonb_build_object('routing_reason', route.reason) ELSE '{}' END
         || coalesce((SELECT jsonb_build_object('duplicate_candidates', jsonb_agg(c.id ORDER BY c.distance_m, c.created_at DESC))
                      FROM candidates c HAVING count(*) > 0), '{}')),
      (2, ticket.id, 'duplicate_linked', input.actor_user_id, input.actor_kind, NULL, NULL, true,
       jsonb_build_object('original_id', input.duplicate_of)),
      (3, input.duplicate_of, 'duplicate_linked', input.actor_user_id, input.actor_kind, NULL, NULL, false,
       jsonb_build_object('duplicate_id', ticket.id)),
      (4, ticket.id, 'outage_linked', NULL, 'system', NULL, outage.public_text, true,
       jsonb_build_object('outage_id', outage.id, 'ends_at', outage.ends_at))
    ) AS e(ord, ticket_id, kind, actor_user_id, actor_kind, to_status, note, public, data)
    WHERE CASE e.kind WHEN 'duplicate_linked' THEN input.duplicate_of IS NOT NULL
                      WHEN 'outage_linked' THEN ticket.outage_id IS NOT NULL
                      ELSE true END
    ORDER BY e.ord
  )
  SELECT ticket.id, ticket.token::text AS token, ticket.status, ticket.category_code, ticket.deadline_class,
         ticket.created_at, ticket.accept_due_at, ticket.due_at,
         route.executor_id, route.executor_code, route.executor_name, route.executor_phone,
         route.routed_by, route.needs_routing, route.service_area_id,
         outage.id AS outage_id, outage.public_text AS outage_public_text, outage.ends_at AS outage_ends_at,
         (SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'status', c.status, 'distance_m', c.distance_m,
                                                       'created_at', c.created_at, 'description', c.description)
                                    ORDER BY c.distance_m, c.created_at DESC), '[]')
          FROM candidates c) AS duplicate_candidates,
         -- A duplicate's reporter follows the original: its executor and deadline.
         original.executor_name AS original_executor_name, original.due_at AS original_due_at,
         original.needs_routing AS original_needs_routing
  FROM ticket
  CROSS JOIN route
  LEFT JOIN outage ON outage.id = ticket.outage_id
  LEFT JOIN LATERAL (
    SELECT oo.name AS executor_name, ot.due_at, ot.needs_routing
    FROM input
    JOIN tickets ot ON ot.id = input.duplicate_of
    JOIN organisations oo ON oo.id = ot.executor_id
  ) original ON true;
END $$;
