-- Counts a wrong password; the failure that reaches $maxFailures locks the login until
-- $lockedUntil. The count stays until a right password, so after a lock each wrong one locks again.
UPDATE users
SET failed_logins = failed_logins + 1,
    locked_until = CASE WHEN failed_logins + 1 >= $maxFailures THEN $lockedUntil::timestamptz ELSE locked_until END
WHERE id = $userId
