-- Every organisation an ownership claim can name, as the inspector's forms list them: by name.
SELECT id, code, name, kind, is_executor
FROM organisations
ORDER BY name, id
