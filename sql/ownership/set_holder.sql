-- Writes who holds one role of an object ('owner' or 'balance_holder') with the evidence for it; bumps the version.
-- An object left with no holder cannot stay 'owned' (objects_check): it drops to under investigation, and the
-- caller derives the final status (objects/settle_status).
UPDATE objects
SET owner_id = CASE WHEN $role = 'owner' THEN $holder_id::integer ELSE owner_id END,
    balance_holder_id = CASE WHEN $role = 'balance_holder' THEN $holder_id::integer ELSE balance_holder_id END,
    evidence_ref = $evidence_ref,
    evidence_date = $evidence_date::date,
    evidence_recorded_by = $recorded_by,
    ownership_status = CASE
      WHEN ownership_status = 'owned'
       AND (CASE WHEN $role = 'owner' THEN $holder_id::integer ELSE owner_id END) IS NULL
       AND (CASE WHEN $role = 'balance_holder' THEN $holder_id::integer ELSE balance_holder_id END) IS NULL
      THEN 'under_investigation' ELSE ownership_status END,
    version = version + 1
WHERE id = $object_id
RETURNING owner_id, balance_holder_id, version
