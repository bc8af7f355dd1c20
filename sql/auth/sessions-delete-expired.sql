-- Drops a user's expired sessions when they log in again, so the table does not grow forever.
DELETE FROM sessions WHERE user_id = $userId AND expires_at <= $now
