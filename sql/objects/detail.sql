-- One object for the inspector: its record with organisation names, its responsible party, and its ownerless record.
SELECT o.id, o.kind, k.geometry AS kind_geometry, k.name_uk AS kind_name_uk, k.name_en AS kind_name_en,
       ST_AsGeoJSON(o.geom, 7)::jsonb AS geometry,
       ST_AsGeoJSON(o.footprint, 7)::jsonb AS footprint,
       o.label, o.ownership_status, o.photos, o.tags, o.source, o.source_ref, o.version, o.created_at, o.updated_at,
       CASE WHEN ow.id IS NOT NULL THEN jsonb_build_object('id', ow.id, 'code', ow.code, 'name', ow.name, 'is_executor', ow.is_executor) END AS owner,
       CASE WHEN bh.id IS NOT NULL THEN jsonb_build_object('id', bh.id, 'code', bh.code, 'name', bh.name, 'is_executor', bh.is_executor) END AS balance_holder,
       CASE WHEN o.evidence_ref IS NOT NULL THEN jsonb_build_object(
         'ref', o.evidence_ref, 'date', o.evidence_date,
         'recorded_by', CASE WHEN u.id IS NOT NULL THEN jsonb_build_object('id', u.id, 'display_name', u.display_name) END) END AS evidence,
       rp.reason AS responsible_reason,
       CASE WHEN ro.id IS NOT NULL THEN jsonb_build_object('id', ro.id, 'code', ro.code, 'name', ro.name) END AS responsible_organisation,
       (SELECT jsonb_agg(jsonb_build_object('id', d.id, 'code', d.code, 'name', d.name) ORDER BY d.id)
        FROM organisations d
        WHERE d.id IN (SELECT jsonb_array_elements_text(rp.disputed_between)::integer)) AS disputed_between,
       CASE WHEN r.id IS NOT NULL THEN jsonb_build_object(
         'id', r.id, 'stage', r.stage, 'danger_level', r.danger_level,
         'found_at', misto_utc(r.found_at), 'recorded_at', misto_utc(r.recorded_at), 'record_ref', r.record_ref,
         'notice_at', misto_utc(r.notice_at), 'notice_ref', r.notice_ref, 'eligible_from', r.eligible_from,
         'transferred_at', misto_utc(r.transferred_at), 'court_ref', r.court_ref, 'owner_found_at', misto_utc(r.owner_found_at),
         'note', r.note) END AS ownerless_record
FROM objects o
JOIN object_kinds k ON k.code = o.kind
LEFT JOIN organisations ow ON ow.id = o.owner_id
LEFT JOIN organisations bh ON bh.id = o.balance_holder_id
LEFT JOIN users u ON u.id = o.evidence_recorded_by
LEFT JOIN LATERAL misto_responsible_party(o.id, $city_department::text) rp ON true
LEFT JOIN organisations ro ON ro.id = rp.organisation_id
LEFT JOIN ownerless_records r ON r.object_id = o.id
WHERE o.id = $id
