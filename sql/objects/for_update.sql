-- One object, locked for the rest of the transaction: every ownership change starts here.
SELECT id, kind, ST_AsGeoJSON(geom, 7)::jsonb AS geometry, label, owner_id, balance_holder_id, ownership_status,
       evidence_ref, evidence_date::text AS evidence_date, evidence_recorded_by, photos, version
FROM objects
WHERE id = $id
FOR UPDATE
