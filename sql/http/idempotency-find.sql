-- The stored answer to an earlier request with this Idempotency-Key from this caller.
SELECT request_hash, status, response FROM idempotency_keys WHERE scope = $scope::text AND key = $key::text
