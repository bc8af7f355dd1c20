-- Dashboard totals for the tickets filed in a period of city days [$from, $to] in time zone $tz, judged at $now.
WITH bounds AS (
  SELECT ($from::date)::timestamp AT TIME ZONE $tz AS lo,
         ($to::date + 1)::timestamp AT TIME ZONE $tz AS hi
), t AS (
  SELECT tk.status, tk.due_at, tk.done_at, s.is_open,
         (tk.done_at IS NOT NULL AND tk.status IN ('done', 'closed')) AS completed
  FROM tickets tk
  JOIN ticket_statuses s ON s.code = tk.status
  CROSS JOIN bounds
  WHERE tk.created_at >= bounds.lo AND tk.created_at < bounds.hi
)
SELECT count(*) AS filed,
       count(*) FILTER (WHERE completed) AS completed,
       count(*) FILTER (WHERE completed AND done_at <= due_at) AS completed_on_time,
       count(*) FILTER (WHERE is_open AND status <> 'done') AS open,
       count(*) FILTER (WHERE is_open AND status <> 'done' AND due_at < $now) AS overdue,
       count(*) FILTER (WHERE status IN ('rejected', 'duplicate')) AS rejected
FROM t;
