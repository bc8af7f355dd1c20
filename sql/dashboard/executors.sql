-- Deadline compliance per executor for tickets filed in [$from, $to] (city days in $tz): on-time
-- completions, medians to accept and to complete, and every ticket of theirs overdue at $now.
WITH bounds AS (
  SELECT ($from::date)::timestamp AT TIME ZONE $tz AS lo,
         ($to::date + 1)::timestamp AT TIME ZONE $tz AS hi
), period AS (
  SELECT tk.executor_id,
         count(*) AS filed,
         count(*) FILTER (WHERE tk.done_at IS NOT NULL AND tk.status IN ('done', 'closed')) AS completed,
         count(*) FILTER (WHERE tk.done_at IS NOT NULL AND tk.status IN ('done', 'closed') AND tk.done_at <= tk.due_at) AS completed_on_time,
         count(*) FILTER (WHERE s.is_open AND tk.status <> 'done' AND tk.due_at < $now) AS open_overdue,
         count(*) FILTER (WHERE tk.accepted_at IS NOT NULL) AS accepted,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM tk.accepted_at - tk.created_at))
           FILTER (WHERE tk.accepted_at IS NOT NULL) / 60 AS median_accept_minutes,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM tk.done_at - tk.created_at))
           FILTER (WHERE tk.done_at IS NOT NULL AND tk.status IN ('done', 'closed')) / 3600 AS median_complete_hours
  FROM tickets tk
  JOIN ticket_statuses s ON s.code = tk.status
  CROSS JOIN bounds
  WHERE tk.created_at >= bounds.lo AND tk.created_at < bounds.hi
  GROUP BY tk.executor_id
), overdue_now AS (
  SELECT tk.executor_id, count(*) AS overdue_now
  FROM tickets tk
  JOIN ticket_statuses s ON s.code = tk.status
  WHERE s.is_open AND tk.status <> 'done' AND tk.due_at < $now
  GROUP BY tk.executor_id
)
SELECT o.id, o.code, o.name,
       coalesce(p.filed, 0) AS filed,
       coalesce(p.completed, 0) AS completed,
       coalesce(p.completed_on_time, 0) AS completed_on_time,
       coalesce(p.open_overdue, 0) AS open_overdue,
       coalesce(p.accepted, 0) AS accepted,
       -- On time among the tickets whose outcome is known: completed, or still open past the deadline.
       (p.completed_on_time::float8 / nullif(p.completed + p.open_overdue, 0)) AS on_time_share,
       p.median_accept_minutes::float8 AS median_accept_minutes,
       p.median_complete_hours::float8 AS median_complete_hours,
       coalesce(n.overdue_now, 0) AS overdue_now
FROM organisations o
LEFT JOIN period p ON p.executor_id = o.id
LEFT JOIN overdue_now n ON n.executor_id = o.id
WHERE p.executor_id IS NOT NULL OR n.executor_id IS NOT NULL
ORDER BY coalesce(n.overdue_now, 0) DESC, coalesce(p.filed, 0) DESC, o.name;
