-- Tickets filed in the period [$from, $to] (city days in $tz) per current status, in workflow order.
WITH bounds AS (
  SELECT ($from::date)::timestamp AT TIME ZONE $tz AS lo,
         ($to::date + 1)::timestamp AT TIME ZONE $tz AS hi
)
SELECT s.code, s.name_uk, s.name_en, s.is_open, count(tk.id) AS filed
FROM ticket_statuses s
CROSS JOIN bounds
LEFT JOIN tickets tk ON tk.status = s.code AND tk.created_at >= bounds.lo AND tk.created_at < bounds.hi
GROUP BY s.code, s.name_uk, s.name_en, s.is_open, s.sort
ORDER BY s.sort;
