-- The live outage that would explain a new ticket of $category at ($lon, $lat): the one outages/link_ticket would link it to, for the intake form's notice before the ticket exists.
-- The choice (same utility, zone covers the point, started and not over, emergency first, then
-- the latest) must stay the same as link_ticket's, or the notice would promise a link that
-- intake does not make.
SELECT o.id, o.utility, u.name_uk AS utility_name, o.kind, o.status, o.starts_at, o.ends_at, o.public_text
FROM categories c
JOIN outages o ON o.utility = c.utility
  AND ST_Intersects(o.zone, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326))
JOIN utilities u ON u.code = o.utility
WHERE c.code = $category::text
  AND o.status IN ('scheduled', 'active')
  AND o.starts_at <= $now::timestamptz
  AND (o.ends_at IS NULL OR o.ends_at > $now::timestamptz)
ORDER BY (o.kind = 'emergency') DESC, o.starts_at DESC, o.id DESC
LIMIT 1
