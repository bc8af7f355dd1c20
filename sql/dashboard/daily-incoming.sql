-- The daily summary: tickets filed on city day $date (in $tz), oldest first.
SELECT tk.id, tk.category_code, c.name_uk AS category_uk, c.name_en AS category_en,
       tk.status, o.name AS executor, coalesce(a.label, tk.address_text) AS address,
       tk.created_at, tk.due_at, tk.source
FROM tickets tk
JOIN categories c ON c.code = tk.category_code
JOIN organisations o ON o.id = tk.executor_id
LEFT JOIN addresses a ON a.id = tk.address_id
WHERE tk.created_at >= ($date::date)::timestamp AT TIME ZONE $tz
  AND tk.created_at < ($date::date + 1)::timestamp AT TIME ZONE $tz
ORDER BY tk.created_at, tk.id;
