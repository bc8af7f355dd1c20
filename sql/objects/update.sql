-- Writes an object's editable fields (all of them, as the caller merged them) and bumps its version. An object
-- left with no holder cannot stay 'owned': it drops to under investigation; the caller derives the final status.
UPDATE objects
SET label = $label,
    geom = ST_SetSRID(ST_GeomFromGeoJSON($geometry::text), 4326),
    owner_id = $owner_id,
    balance_holder_id = $balance_holder_id,
    evidence_ref = $evidence_ref,
    evidence_date = $evidence_date::date,
    evidence_recorded_by = $evidence_recorded_by,
    photos = $photos::jsonb,
    ownership_status = CASE WHEN ownership_status = 'owned' AND $owner_id::integer IS NULL AND $balance_holder_id::integer IS NULL
                            THEN 'under_investigation' ELSE ownership_status END,
    version = version + 1
WHERE id = $id
RETURNING version
