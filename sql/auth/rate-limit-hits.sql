-- The hits in one window of a rate-limit bucket, without counting a new one.
SELECT coalesce((SELECT hits FROM rate_limits WHERE bucket = $bucket AND window_start = $windowStart), 0) AS hits
