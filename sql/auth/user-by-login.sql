-- A user by login for the login form, locked for the rest of the transaction so that parallel
-- wrong guesses each count towards the lockout.
SELECT id, login, display_name, role, organisation_id, password_hash, disabled, failed_logins, locked_until
FROM users
WHERE login = $login
FOR UPDATE
