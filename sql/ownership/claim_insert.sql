-- Files an ownership claim as given; whether it makes the object disputed is settled after it (objects/settle_status).
INSERT INTO ownership_claims (object_id, organisation_id, claim, role, evidence_ref, evidence_date, filed_by, filed_at)
VALUES ($object_id, $organisation_id, $claim, $role, $evidence_ref, $evidence_date::date, $filed_by, $now)
RETURNING id
