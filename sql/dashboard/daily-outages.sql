-- The daily summary: outages in force at any time of city day $date (in $tz), with how many addresses got a telephonogram.
WITH day AS (
  SELECT ($date::date)::timestamp AT TIME ZONE $tz AS lo, ($date::date + 1)::timestamp AT TIME ZONE $tz AS hi
)
SELECT ou.id, ou.utility, u.name_uk AS utility_uk, u.name_en AS utility_en, ou.kind, ou.status,
       o.name AS executor, ou.starts_at, ou.ends_at, ou.public_text,
       (SELECT count(DISTINCT tg.address_id) FROM telephonograms tg
         WHERE tg.outage_id = ou.id AND tg.attached_at < day.hi
           AND (tg.withdrawn_at IS NULL OR tg.withdrawn_at > day.lo)) AS addresses
FROM outages ou
CROSS JOIN day
JOIN utilities u ON u.code = ou.utility
JOIN organisations o ON o.id = ou.executor_id
WHERE ou.status <> 'cancelled'
  AND ou.starts_at < day.hi
  AND (ou.ends_at IS NULL OR ou.ends_at > day.lo)
  AND NOT (ou.status = 'resolved' AND ou.ends_at IS NULL AND ou.updated_at <= day.lo)
ORDER BY ou.starts_at, ou.id;
