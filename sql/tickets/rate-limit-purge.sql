-- Forgets intake rate-limit windows that ended before a moment.
DELETE FROM rate_limits WHERE window_start < $before::timestamptz AND (bucket LIKE 'open311:%' OR bucket LIKE 'web:%')
