-- Applies an edit to a live outage if nobody changed it since `version` was read; returns the new version, or no row on a conflict.
UPDATE outages
SET kind = $kind, starts_at = $startsAt::timestamptz, ends_at = $endsAt::timestamptz, public_text = $publicText,
    status = CASE WHEN $startsAt::timestamptz <= $now::timestamptz THEN 'active' ELSE 'scheduled' END,
    zone_source = $zoneSource, zone = $zone::geometry, source_line = $sourceLine::geometry, buffer_m = $bufferM::real,
    source_object_id = $sourceObjectId::bigint, street_id = $streetId::int, house_from = $houseFrom::int,
    house_to = $houseTo::int, house_parity = $houseParity::text, address_ids = $addressIds::jsonb,
    version = version + 1
WHERE id = $id AND version = $version::int AND status IN ('scheduled', 'active')
RETURNING id, version
