-- The organisation that answers for one object ($object_id) and why; one row, none if no such object.
-- reason and organisation_id, by the object's ownership status:
--   owned      → 'owner': the owner, if it is an executor;
--                'balance_holder': the owner on record is not an executor, the balance holder
--                (an executor) maintains the object;
--                'no_executor': neither takes tickets → the city department ($city_department);
--   disputed   → 'disputed': the city department while the dispute stands; disputed_between
--                lists the contending organisation ids of one role: those saying they hold it
--                (standing "ours" claims, plus the holder on record unless it said "not ours"),
--                or, when nobody says so, those each denying it with a standing "not ours";
--   ownerless  → 'ownerless': the city department;
--   under_investigation → 'unknown': the city department.
-- disputed_between is NULL unless the reason is 'disputed'. The rules live in
-- misto_responsible_party() (migration 0007; its reason from misto_responsible_reason(), migration 0015,
-- which the ownership lookup applies too).
SELECT organisation_id, reason, disputed_between
FROM misto_responsible_party($object_id::bigint, $city_department::text)
