-- Stores a new Open311 API key by its sha256; the key itself is shown once and never kept.
INSERT INTO api_keys (key_hash, name, created_at) VALUES ($keyHash::text, $name::text, $now::timestamptz)
RETURNING id, name, created_at, revoked_at
