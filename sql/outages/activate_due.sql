-- The status clock, first step: scheduled outages whose start has come become active. The version stays: the clock edits nothing an operator could have edited.
UPDATE outages
SET status = 'active'
WHERE status = 'scheduled' AND starts_at <= $now::timestamptz AND (ends_at IS NULL OR ends_at > $now::timestamptz)
RETURNING id
