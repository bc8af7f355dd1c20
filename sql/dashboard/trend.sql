-- Per city day of [$from, $to] in $tz: tickets filed, tickets completed, and tickets overdue at the day's end (or at $now for today).
WITH days AS (
  SELECT d::date AS day,
         (d::date)::timestamp AT TIME ZONE $tz AS lo,
         (d::date + 1)::timestamp AT TIME ZONE $tz AS hi
  FROM generate_series($from::date, $to::date, interval '1 day') AS d
)
SELECT to_char(days.day, 'YYYY-MM-DD') AS day,
       (SELECT count(*) FROM tickets tk WHERE tk.created_at >= days.lo AND tk.created_at < days.hi) AS filed,
       (SELECT count(*) FROM tickets tk
         WHERE tk.done_at >= days.lo AND tk.done_at < days.hi AND tk.status IN ('done', 'closed')) AS completed,
       (SELECT count(*) FROM tickets tk
         WHERE tk.created_at < least(days.hi, $now::timestamptz) AND tk.due_at < least(days.hi, $now::timestamptz)
           AND (tk.done_at IS NULL OR tk.done_at >= least(days.hi, $now::timestamptz))
           AND (tk.closed_at IS NULL OR tk.closed_at >= least(days.hi, $now::timestamptz))
           AND tk.status NOT IN ('rejected', 'duplicate')) AS overdue
FROM days
WHERE days.lo <= $now::timestamptz
ORDER BY days.day;
