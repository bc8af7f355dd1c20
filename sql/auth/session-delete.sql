-- Ends one session (logout).
DELETE FROM sessions WHERE token_hash = $tokenHash
