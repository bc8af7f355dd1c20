-- One outage as stored, locked for an edit, cancel or resolve in this transaction.
SELECT id, utility, kind, executor_id, status, starts_at, ends_at, public_text, version,
       zone_source, zone::text AS zone, source_line::text AS source_line, buffer_m, source_object_id,
       street_id, house_from, house_to, house_parity, address_ids
FROM outages
WHERE id = $id
FOR UPDATE
