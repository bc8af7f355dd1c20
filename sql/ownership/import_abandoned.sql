-- Imports abandoned buildings ($features: a JSON array of {ref, geometry, tags, label, note, found_at}) as ownerless
-- objects of kind 'building': the point is ST_PointOnSurface of the footprint (kept, made valid, in footprint;
-- an unclosed way has none), each with an ownerless record at stage 'found' and an 'imported' event.
-- UNIQUE (source, source_ref) makes a re-import skip what is already there.
WITH input AS (
  SELECT DISTINCT ON (f ->> 'ref')
         f ->> 'ref' AS ref, f -> 'tags' AS tags, f ->> 'label' AS label, f ->> 'note' AS note,
         (f ->> 'found_at')::timestamptz AS found_at,
         ST_SetSRID(ST_GeomFromGeoJSON(f ->> 'geometry'), 4326) AS g
  FROM jsonb_array_elements($features::jsonb) f
  ORDER BY f ->> 'ref'
),
shaped AS (
  SELECT i.*, CASE
           WHEN GeometryType(i.g) IN ('POLYGON', 'MULTIPOLYGON')
             THEN ST_Multi(ST_CollectionExtract(ST_MakeValid(i.g), 3))
           WHEN GeometryType(i.g) = 'LINESTRING' AND ST_IsClosed(i.g) AND ST_NPoints(i.g) >= 4
             THEN ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_MakePolygon(i.g)), 3))
         END AS area
  FROM input i
),
placed AS (
  SELECT s.ref, s.tags, s.label, s.note, s.found_at,
         CASE WHEN s.area IS NOT NULL AND NOT ST_IsEmpty(s.area) THEN s.area END AS footprint,
         ST_PointOnSurface(CASE WHEN s.area IS NOT NULL AND NOT ST_IsEmpty(s.area) THEN s.area ELSE s.g END) AS point
  FROM shaped s
),
inserted AS (
  INSERT INTO objects (kind, geom, footprint, label, ownership_status, tags, source, source_ref, created_at, updated_at)
  SELECT 'building', p.point, p.footprint, p.label, 'ownerless', p.tags, $source::text, p.ref, $now::timestamptz, $now::timestamptz
  FROM placed p
  ON CONFLICT (source, source_ref) DO NOTHING
  RETURNING id, source_ref
),
records AS (
  INSERT INTO ownerless_records (object_id, stage, found_at, note)
  SELECT i.id, 'found', least(p.found_at, $now::timestamptz), p.note
  FROM inserted i
  JOIN placed p ON p.ref = i.source_ref
  RETURNING id, object_id, found_at
),
events AS (
  INSERT INTO object_events (object_id, at, kind, note, data)
  SELECT r.object_id, $now::timestamptz, 'imported', $source::text,
         jsonb_build_object('after', jsonb_build_object(
           'kind', 'building', 'ownership_status', 'ownerless', 'source', $source::text, 'source_ref', i.source_ref,
           'ownerless_record_id', r.id, 'stage', 'found', 'found_at', misto_utc(r.found_at)))
  FROM records r
  JOIN inserted i ON i.id = r.object_id
  RETURNING object_id
)
SELECT (SELECT count(*) FROM input) AS given,
       (SELECT count(*) FROM inserted) AS inserted,
       (SELECT count(*) FROM records) AS records,
       (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM placed WHERE footprint IS NOT NULL) AS with_footprint
