-- Saves a new outage with its built zone; it is 'active' at once when its start has already come, 'scheduled' otherwise.
INSERT INTO outages (utility, kind, executor_id, status, starts_at, ends_at, public_text, zone_source, zone,
                     source_line, buffer_m, source_object_id, street_id, house_from, house_to, house_parity,
                     address_ids, created_by, created_at, updated_at)
VALUES ($utility, $kind, $executorId,
        CASE WHEN $startsAt::timestamptz <= $now::timestamptz THEN 'active' ELSE 'scheduled' END,
        $startsAt::timestamptz, $endsAt::timestamptz, $publicText, $zoneSource, $zone::geometry,
        $sourceLine::geometry, $bufferM::real, $sourceObjectId::bigint, $streetId::int, $houseFrom::int, $houseTo::int,
        $houseParity::text, $addressIds::jsonb, $createdBy::int, $now::timestamptz, $now::timestamptz)
RETURNING id
