-- Forgets Idempotency-Key answers older than the retention period.
DELETE FROM idempotency_keys WHERE created_at < $before::timestamptz
