-- A right password ends the count of failures and any expired lock.
UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $userId
