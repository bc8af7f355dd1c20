-- One organisation as an executor of tickets: for routing by object and for a duplicate's original.
SELECT id AS executor_id, code AS executor_code, name AS executor_name, public_phone AS executor_phone
FROM organisations WHERE id = $id::integer
