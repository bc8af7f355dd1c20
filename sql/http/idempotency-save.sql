-- Stores the answer to a request with an Idempotency-Key, in the transaction that made it; a second
-- request with the same key waits on the primary key and then fails, and is answered from this row.
INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)
VALUES ($scope::text, $key::text, $requestHash::text, $status::integer, $response::jsonb, $now::timestamptz)
