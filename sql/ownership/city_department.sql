-- The city department that answers for ownerless objects and takes them over, by its organisation code.
SELECT id, code, name FROM organisations WHERE code = $code
