-- An Open311 api_key that is issued and not revoked, by the sha256 of the key.
SELECT id, name FROM api_keys WHERE key_hash = $keyHash::text AND revoked_at IS NULL
