-- The status clock, second step: live outages whose end has come, to be resolved one by one.
SELECT id FROM outages
WHERE status IN ('scheduled', 'active') AND ends_at <= $now::timestamptz
ORDER BY id
