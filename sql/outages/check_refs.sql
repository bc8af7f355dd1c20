-- Whether an outage's utility exists and its executor is an organisation that takes work.
SELECT EXISTS (SELECT 1 FROM utilities WHERE code = $utility::text) AS utility_found,
       EXISTS (SELECT 1 FROM organisations WHERE id = $executorId::int AND is_executor) AS executor_found
