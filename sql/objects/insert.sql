-- Records a new object; the status is decided by the caller (owned with a holder, else under investigation or ownerless).
INSERT INTO objects (kind, geom, label, owner_id, balance_holder_id, ownership_status, evidence_ref, evidence_date,
                     evidence_recorded_by, photos, tags, source, source_ref, created_at, updated_at)
VALUES ($kind, ST_SetSRID(ST_GeomFromGeoJSON($geometry::text), 4326), $label, $owner_id, $balance_holder_id, $ownership_status,
        $evidence_ref, $evidence_date::date, $evidence_recorded_by, $photos::jsonb, $tags::jsonb, $source, $source_ref, $now, $now)
RETURNING id
