-- Opens a session: only the cookie's sha256 is stored.
INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
VALUES ($tokenHash, $userId, $csrfToken, $now, $expiresAt)
