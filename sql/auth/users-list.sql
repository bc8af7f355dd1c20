-- Every user for the admin screen, without password hashes.
SELECT id, login, display_name, role, organisation_id, disabled, failed_logins, locked_until, created_at
FROM users ORDER BY login
