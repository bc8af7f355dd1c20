-- The moment the daily summary for city day $date (in $tz) is judged at: the day's end, or $now while the day lasts.
SELECT least(($date::date + 1)::timestamp AT TIME ZONE $tz, $now::timestamptz) AS at;
