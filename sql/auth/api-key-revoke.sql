-- Revokes an API key at $now (revoking twice keeps the first time).
UPDATE api_keys SET revoked_at = coalesce(revoked_at, $now::timestamptz) WHERE id = $id::integer
RETURNING id, name, created_at, revoked_at
