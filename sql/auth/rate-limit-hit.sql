-- Counts one hit in a fixed window of a rate-limit bucket and returns the hits so far.
INSERT INTO rate_limits (bucket, window_start, hits)
VALUES ($bucket, $windowStart, 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
RETURNING hits
