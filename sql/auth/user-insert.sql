-- Creates a user; the password arrives already hashed.
INSERT INTO users (login, display_name, role, organisation_id, password_hash, created_at)
VALUES ($login::text, $displayName::text, $role::text, $organisationId::integer, $passwordHash::text, $now::timestamptz)
ON CONFLICT (login) DO NOTHING
RETURNING id, login, display_name, role, organisation_id
