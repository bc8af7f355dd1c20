-- Tickets filed in the period [$from, $to] (city days in $tz) per category: filed, open, completed, overdue at $now.
WITH bounds AS (
  SELECT ($from::date)::timestamp AT TIME ZONE $tz AS lo,
         ($to::date + 1)::timestamp AT TIME ZONE $tz AS hi
)
SELECT c.code, c.name_uk, c.name_en,
       count(*) AS filed,
       count(*) FILTER (WHERE s.is_open AND tk.status <> 'done') AS open,
       count(*) FILTER (WHERE tk.done_at IS NOT NULL AND tk.status IN ('done', 'closed')) AS completed,
       count(*) FILTER (WHERE s.is_open AND tk.status <> 'done' AND tk.due_at < $now) AS overdue
FROM tickets tk
JOIN ticket_statuses s ON s.code = tk.status
JOIN categories c ON c.code = tk.category_code
CROSS JOIN bounds
WHERE tk.created_at >= bounds.lo AND tk.created_at < bounds.hi
GROUP BY c.code, c.name_uk, c.name_en, c.sort
ORDER BY count(*) DESC, c.sort, c.code;
