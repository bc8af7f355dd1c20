-- The daily summary: tickets overdue at the end of city day $date (in $tz), or at $now if the day is not over; most overdue first.
WITH asof AS (
  SELECT least(($date::date + 1)::timestamp AT TIME ZONE $tz, $now::timestamptz) AS at
)
SELECT tk.id, tk.category_code, c.name_uk AS category_uk, c.name_en AS category_en,
       tk.status, o.name AS executor, coalesce(a.label, tk.address_text) AS address,
       tk.created_at, tk.due_at, tk.escalation_level
FROM tickets tk
CROSS JOIN asof
JOIN categories c ON c.code = tk.category_code
JOIN organisations o ON o.id = tk.executor_id
LEFT JOIN addresses a ON a.id = tk.address_id
WHERE tk.created_at < asof.at AND tk.due_at < asof.at
  AND (tk.done_at IS NULL OR tk.done_at >= asof.at)
  AND (tk.closed_at IS NULL OR tk.closed_at >= asof.at)
  AND tk.status NOT IN ('rejected', 'duplicate')
ORDER BY tk.due_at, tk.id;
