-- One ownerless record, locked, with its stage dates and the object it is about.
SELECT r.id, r.object_id, r.stage, r.found_at, r.recorded_at, r.notice_at, r.eligible_from::text AS eligible_from,
       r.transferred_at, r.court_ref, o.ownership_status
FROM ownerless_records r
JOIN objects o ON o.id = r.object_id
WHERE r.id = $id
FOR UPDATE OF r
