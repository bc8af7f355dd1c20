-- Derives an object's ownership status from its record, claims and register entry, and stores it if it changed:
-- disputed while claims conflict (misto_object_disputed_between), else owned if an owner or balance holder is on
-- record, else ownerless while its ownerless record is open, else under investigation. The caller holds the row lock.
WITH derived AS (
  SELECT o.id, o.ownership_status AS before,
         CASE WHEN d.parties IS NOT NULL THEN 'disputed'
              WHEN o.owner_id IS NOT NULL OR o.balance_holder_id IS NOT NULL THEN 'owned'
              WHEN EXISTS (SELECT 1 FROM ownerless_records r
                           WHERE r.object_id = o.id AND r.stage NOT IN ('transferred', 'owner_found')) THEN 'ownerless'
              ELSE 'under_investigation' END AS after,
         d.parties AS disputed_between
  FROM objects o
  CROSS JOIN LATERAL (SELECT misto_object_disputed_between(o.id) AS parties) d
  WHERE o.id = $id
),
changed AS (
  UPDATE objects o
  SET ownership_status = d.after, version = o.version + 1
  FROM derived d
  WHERE o.id = d.id AND d.after <> d.before
  RETURNING o.version
)
SELECT before, after, disputed_between, (SELECT version FROM changed) AS version FROM derived
