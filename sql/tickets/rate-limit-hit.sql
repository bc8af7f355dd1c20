-- Counts one intake request in its fixed window and returns the count so far (one upsert, no read-then-write race).
INSERT INTO rate_limits (bucket, window_start, hits)
VALUES ($bucket::text, $windowStart::timestamptz, 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
RETURNING hits
