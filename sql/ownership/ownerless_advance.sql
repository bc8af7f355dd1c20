-- Moves an ownerless record from stage $from to stage $to, writing the date ($at) and document ($ref) that stage
-- needs: on_record → recorded_at, record_ref; public_notice → notice_at, notice_ref; transferred → transferred_at,
-- court_ref; eligible needs neither. No row when the record is no longer at $from.
UPDATE ownerless_records
SET stage = $to,
    recorded_at = CASE WHEN $to = 'on_record' THEN $at::timestamptz ELSE recorded_at END,
    record_ref = CASE WHEN $to = 'on_record' THEN $ref::text ELSE record_ref END,
    notice_at = CASE WHEN $to = 'public_notice' THEN $at::timestamptz ELSE notice_at END,
    notice_ref = CASE WHEN $to = 'public_notice' THEN $ref::text ELSE notice_ref END,
    transferred_at = CASE WHEN $to = 'transferred' THEN $at::timestamptz ELSE transferred_at END,
    court_ref = CASE WHEN $to = 'transferred' THEN $ref::text ELSE court_ref END
WHERE id = $id AND stage = $from
RETURNING id, stage, eligible_from::text AS eligible_from
