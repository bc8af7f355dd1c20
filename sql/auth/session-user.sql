-- The user behind a live session cookie (by the cookie's sha256), with the session's CSRF token.
SELECT u.id, u.login, u.display_name, u.role, u.organisation_id, s.csrf_token, s.expires_at
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $tokenHash
  AND s.expires_at > $now
  AND NOT u.disabled
