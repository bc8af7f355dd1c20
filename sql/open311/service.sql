-- One active category as an Open311 service definition.
SELECT code, attributes FROM categories WHERE code = $code::text AND active
