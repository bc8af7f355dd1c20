-- Ends a live outage by hand or by the clock: 'resolved' records the actual end (now, unless it was due earlier), 'cancelled' keeps the announced window.
UPDATE outages
SET status = $status::text,
    ends_at = CASE WHEN $status::text = 'resolved' AND (ends_at IS NULL OR ends_at > $now::timestamptz)
                   THEN greatest($now::timestamptz, starts_at + interval '1 second') ELSE ends_at END,
    version = version + 1
WHERE id = $outageId::bigint AND status IN ('scheduled', 'active')
RETURNING id, status, version, ends_at
