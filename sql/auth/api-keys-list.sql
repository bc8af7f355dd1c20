-- Every API key, newest first, without hashes.
SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at DESC, id DESC
