-- The daily summary: tickets completed on city day $date (in $tz), with whether they met their deadline.
SELECT tk.id, tk.category_code, c.name_uk AS category_uk, c.name_en AS category_en,
       tk.status, o.name AS executor, coalesce(a.label, tk.address_text) AS address,
       tk.created_at, tk.due_at, tk.done_at, (tk.done_at <= tk.due_at) AS on_time
FROM tickets tk
JOIN categories c ON c.code = tk.category_code
JOIN organisations o ON o.id = tk.executor_id
LEFT JOIN addresses a ON a.id = tk.address_id
WHERE tk.done_at >= ($date::date)::timestamp AT TIME ZONE $tz
  AND tk.done_at < ($date::date + 1)::timestamp AT TIME ZONE $tz
  AND tk.status IN ('done', 'closed')
ORDER BY tk.done_at, tk.id;
