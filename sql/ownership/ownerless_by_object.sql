-- The ownerless record of an object, if it has one.
SELECT id, stage FROM ownerless_records WHERE object_id = $object_id
