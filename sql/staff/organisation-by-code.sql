-- An organisation by code (the default executor a declined ticket goes back to).
SELECT id, code, name FROM organisations WHERE code = $code::text
