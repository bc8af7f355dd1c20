-- The plans of the ownership lookup and the address card: kept for the connection, not made again on every request.
-- Measured on bench/run.ts's full city (100,000 addresses, 1 M tickets, 500,000 objects) by the
-- database's CPU per call. Both statements are wide (a dozen subqueries, two dozen relations) and
-- a statement sent from sql/ is planned again on every call: planning took most of their CPU
-- (lookup about 5 ms of 7.5, card about 4 of 7). PL/pgSQL keeps a statement's plan for the
-- connection, but only a generic one is reused: left to choose, it kept planning again for the
-- values at hand, whose plans look cheaper to it although they use the same indexes for any
-- point, address and radius. Hence force_generic_plan. The statements are the ones that were in
-- sql/ownership/lookup.sql and sql/addresses/card.sql (which now call these functions), with the
-- changes noted at each; their answers are the same (compared on 300 lookups and 300 cards, and
-- at the largest radii). Lookup 7.9 → 2.2 ms of CPU, card 8.5 → 2.7 (bench/run.ts figures).

-- Why an object is someone's to answer for, by its ownership status and whether its owner and its
-- balance holder take tickets: the rules of misto_responsible_party (migration 0007), as one
-- expression the planner inlines, so that the lookup applies them to the owner and balance holder
-- rows it has already joined instead of calling misto_responsible_party per object.
CREATE OR REPLACE FUNCTION misto_responsible_reason(p_status text, p_owner_is_executor boolean, p_holder_is_executor boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_status = 'owned' AND p_owner_is_executor THEN 'owner'
              WHEN p_status = 'owned' AND p_holder_is_executor THEN 'balance_holder'
              WHEN p_status = 'owned' THEN 'no_executor'
              WHEN p_status = 'disputed' THEN 'disputed'
              WHEN p_status = 'ownerless' THEN 'ownerless'
              ELSE 'unknown' END
$$;

-- The same answers as in migration 0007, its reason from misto_responsible_reason.
CREATE OR REPLACE FUNCTION misto_responsible_party(p_object_id bigint, p_city_department text)
RETURNS TABLE (organisation_id integer, reason text, disputed_between jsonb)
LANGUAGE sql STABLE AS $$
  SELECT CASE r.reason WHEN 'owner' THEN ow.id WHEN 'balance_holder' THEN bh.id ELSE city.id END,
         r.reason,
         CASE WHEN r.reason = 'disputed' THEN misto_object_disputed_between(o.id) END
  FROM objects o
  LEFT JOIN organisations ow ON ow.id = o.owner_id
  LEFT JOIN organisations bh ON bh.id = o.balance_holder_id
  LEFT JOIN organisations city ON city.code = p_city_department
  CROSS JOIN LATERAL (SELECT misto_responsible_reason(o.ownership_status, ow.is_executor, bh.is_executor) AS reason) r
  WHERE o.id = p_object_id
$$;

-- misto_object_disputed_between (migration 0007) in PL/pgSQL with the same statement: in LANGUAGE
-- sql a function that cannot be inlined (this one has CTEs) is planned again in every statement
-- that calls it, about 0.4 ms of CPU for each disputed object in a lookup, more than it runs.
CREATE OR REPLACE FUNCTION misto_object_disputed_between(p_object_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
  RETURN (
    WITH standing AS (
      SELECT c.role, c.organisation_id, c.claim
      FROM ownership_claims c
      WHERE c.object_id = p_object_id AND c.resolved_at IS NULL
    ),
    asserting AS (
      SELECT role, organisation_id FROM standing WHERE claim = 'ours'
      UNION
      SELECT r.role, r.holder_id
      FROM objects o
      CROSS JOIN LATERAL (VALUES ('owner', o.owner_id), ('balance_holder', o.balance_holder_id)) AS r (role, holder_id)
      WHERE o.id = p_object_id AND r.holder_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM standing s
                        WHERE s.claim = 'not_ours' AND s.role = r.role AND s.organisation_id = r.holder_id)
    ),
    contenders AS (
      SELECT role, organisation_id, 1 AS kind FROM asserting
      UNION ALL
      SELECT s.role, s.organisation_id, 2 FROM standing s
      WHERE s.claim = 'not_ours' AND NOT EXISTS (SELECT 1 FROM asserting a WHERE a.role = s.role)
    ),
    contested AS (
      SELECT role, kind FROM contenders GROUP BY role, kind HAVING count(DISTINCT organisation_id) >= 2
      ORDER BY role = 'owner' DESC, kind LIMIT 1
    )
    SELECT jsonb_agg(DISTINCT c.organisation_id ORDER BY c.organisation_id)
    FROM contenders c
    JOIN contested k ON k.role = c.role AND k.kind = c.kind);
END $fn$;

-- The ownership lookup at a point (p_lon, p_lat) within p_radius metres: point objects nearest first, network
-- lines passing within the radius, the service areas covering the point (the first per category is the one
-- routing picks), and for each object its owner, balance holder, evidence, standing claims and responsible
-- party. The point is spelled out in each filter, not taken from a CTE, so that the geography GiST index
-- serves ST_DWithin and the KNN ordering (<->). p_limit objects of each shape at most; one more is fetched
-- to say whether the answer was cut. inside_city: within about 5 km (0.05°) of a district, or anywhere while
-- no districts are loaded. The owner and balance holder rows are joined once and give both their JSON and the
-- responsible party (misto_responsible_reason), instead of misto_responsible_party joining them again per
-- object; the disputants are looked up only for a disputed object.
CREATE OR REPLACE FUNCTION misto_ownership_lookup(p_lon float8, p_lat float8, p_radius float8, p_limit integer, p_city_department text)
RETURNS TABLE (inside_city boolean, objects jsonb, lines jsonb, truncated boolean, service_areas jsonb)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
    WITH near_points AS (
      SELECT o.id, 'point' AS shape,
             ST_Distance(o.geom::geography, ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326)::geography) AS distance_m
      FROM objects o
      WHERE ST_DWithin(o.geom::geography, ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326)::geography, p_radius)
        AND GeometryType(o.geom) = 'POINT'
      ORDER BY o.geom::geography <-> ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326)::geography
      LIMIT p_limit + 1
    ),
    near_lines AS (
      SELECT o.id, 'line' AS shape,
             ST_Distance(o.geom::geography, ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326)::geography) AS distance_m
      FROM objects o
      WHERE ST_DWithin(o.geom::geography, ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326)::geography, p_radius)
        AND GeometryType(o.geom) = 'LINESTRING'
      ORDER BY 3
      LIMIT p_limit + 1
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
                 'recorded_by', (SELECT jsonb_build_object('id', eu.id, 'display_name', eu.display_name) FROM users eu WHERE eu.id = o.evidence_recorded_by)) END,
               'photos', o.photos,
               'open_claims', coalesce((
                 SELECT jsonb_agg(jsonb_build_object(
                          'id', c.id, 'claim', c.claim, 'role', c.role,
                          'organisation', jsonb_build_object('id', co.id, 'code', co.code, 'name', co.name),
                          'evidence_ref', c.evidence_ref, 'evidence_date', c.evidence_date,
                          'filed_at', misto_utc(c.filed_at)) ORDER BY c.filed_at, c.id)
                 FROM ownership_claims c
                 JOIN organisations co ON co.id = c.organisation_id
                 WHERE c.object_id = o.id AND c.resolved_at IS NULL), '[]'::jsonb),
               'responsible', jsonb_build_object(
                 'organisation', CASE r.reason WHEN 'owner' THEN jsonb_build_object('id', ow.id, 'code', ow.code, 'name', ow.name)
                                               WHEN 'balance_holder' THEN jsonb_build_object('id', bh.id, 'code', bh.code, 'name', bh.name)
                                               ELSE (SELECT jsonb_build_object('id', city.id, 'code', city.code, 'name', city.name)
                                                     FROM organisations city WHERE city.code = p_city_department) END,
                 'reason', r.reason,
                 'disputed_between', CASE WHEN r.reason = 'disputed' THEN (
                   SELECT jsonb_agg(jsonb_build_object('id', d.id, 'code', d.code, 'name', d.name) ORDER BY d.id)
                   FROM organisations d
                   WHERE d.id IN (SELECT jsonb_array_elements_text(misto_object_disputed_between(o.id))::integer)) END)
             ) AS doc
      FROM near n
      JOIN objects o ON o.id = n.id
      JOIN object_kinds k ON k.code = o.kind
      LEFT JOIN organisations ow ON ow.id = o.owner_id
      LEFT JOIN organisations bh ON bh.id = o.balance_holder_id
      CROSS JOIN LATERAL (SELECT misto_responsible_reason(o.ownership_status, ow.is_executor, bh.is_executor) AS reason) r
      WHERE n.rank <= p_limit
    )
    SELECT
      (NOT EXISTS (SELECT 1 FROM districts)
       OR EXISTS (SELECT 1 FROM districts d
                  WHERE ST_DWithin(d.geom, ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326), 0.05))) AS inside_city,
      coalesce((SELECT jsonb_agg(doc ORDER BY rank) FROM described WHERE shape = 'point'), '[]'::jsonb) AS objects,
      coalesce((SELECT jsonb_agg(doc ORDER BY rank) FROM described WHERE shape = 'line'), '[]'::jsonb) AS lines,
      EXISTS (SELECT 1 FROM near WHERE rank > p_limit) AS truncated,
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
          WHERE ST_Covers(sa.geom, ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326))
        ) a
      ), '[]'::jsonb) AS service_areas;
END $fn$;

-- The operator's address card in one round trip: the address; its live outages with the telephonogram text
-- to read out and its manual notices; open tickets at and around it; the last closed there; objects nearby
-- with their owners. NULL when there is no address p_id.
-- Outages come through the address's live telephonograms (the zone join was done when they were attached);
-- tickets and objects through the geography GiST indexes within p_radius_m, open tickets through the partial
-- index that holds only open ones (its predicate is repeated here). Nothing from ticket_contacts: the card
-- shows the city's work, not who called.
-- Distances are on the sphere (use_spheroid false): a card sorts a hundred or two of them, the spheroid costs
-- two to three times as much per distance, and within a radius of a kilometre the two differ by under 0.5 %.
CREATE OR REPLACE FUNCTION misto_address_card(p_id integer, p_radius_m float8, p_now timestamptz,
                                              p_ticket_limit integer, p_closed_limit integer, p_object_limit integer)
RETURNS json
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
  RETURN (
    WITH a AS (
      SELECT a.id, a.label, a.house_number, a.point, a.point::geography AS g, a.levels, a.street_id, s.name AS street, d.name AS district
      FROM addresses a
      JOIN streets s ON s.id = a.street_id
      LEFT JOIN districts d ON d.id = a.district_id
      WHERE a.id = p_id
    ),
    open_tickets AS (
      SELECT t.id, t.status, t.category_code AS category, c.name_uk AS category_name, t.created_at, t.due_at,
             t.executor_id, e.name AS executor_name, t.outage_id, t.address_id IS NOT DISTINCT FROM a.id AS at_address,
             round(ST_Distance(t.location::geography, a.g, false)::numeric, 1)::float8 AS distance_m,
             left(t.description, 200) AS description
      FROM a
      JOIN (
        SELECT t.id FROM a JOIN tickets t ON ST_DWithin(t.location::geography, a.g, p_radius_m)
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
      'radius_m', p_radius_m,
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
          AND (t.valid_until IS NULL OR t.valid_until > p_now)), '[]'::json),
      'open_tickets', coalesce((
        SELECT json_agg(x ORDER BY x.at_address DESC, x.distance_m, x.created_at DESC, x.id)
        FROM (
          SELECT * FROM open_tickets
          ORDER BY at_address DESC, distance_m, created_at DESC, id
          LIMIT p_ticket_limit
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
          LIMIT p_closed_limit
        ) x), '[]'::json),
      'objects', coalesce((
        SELECT json_agg(x ORDER BY x.distance_m, x.id)
        FROM (
          SELECT n.id, n.kind, k.name_uk AS kind_name, n.label, n.ownership_status,
                 CASE WHEN ow.id IS NOT NULL THEN json_build_object('id', ow.id, 'name', ow.name, 'phone', ow.public_phone) END AS owner,
                 CASE WHEN bh.id IS NOT NULL THEN json_build_object('id', bh.id, 'name', bh.name, 'phone', bh.public_phone) END AS balance_holder,
                 n.distance_m
          -- The nearest first, then their owners: an owner's JSON only for the objects shown.
          FROM (
            SELECT o.id, o.kind, o.label, o.ownership_status, o.owner_id, o.balance_holder_id,
                   round(ST_Distance(o.geom::geography, a.g, false)::numeric, 1)::float8 AS distance_m
            FROM objects o
            WHERE ST_DWithin(o.geom::geography, a.g, p_radius_m)
            ORDER BY distance_m, o.id
            LIMIT p_object_limit
          ) n
          JOIN object_kinds k ON k.code = n.kind
          LEFT JOIN organisations ow ON ow.id = n.owner_id
          LEFT JOIN organisations bh ON bh.id = n.balance_holder_id
        ) x), '[]'::json)
    ) AS card
    FROM a);
END $fn$;
