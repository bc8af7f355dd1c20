// Ownership claims: filing one (a conflict makes the object disputed) and an inspector's resolution that settles it.
import { maybeOne, one, type Db } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { badRequest, conflict, notFound, type FieldError } from '../http/problem.js';
import { checkOrganisations, lockObject, settleStatus, writeObjectEvent, type Acting, type OwnershipStatus } from '../objects/objects.js';

export type ClaimKind = 'ours' | 'not_ours';
export type ClaimRole = 'owner' | 'balance_holder';
export type Resolution = 'accepted' | 'rejected';

export const CLAIM_KINDS: readonly ClaimKind[] = ['ours', 'not_ours'];
export const CLAIM_ROLES: readonly ClaimRole[] = ['owner', 'balance_holder'];
export const RESOLUTIONS: readonly Resolution[] = ['accepted', 'rejected'];

export interface NewClaim {
  objectId: number;
  organisationId: number;
  claim: ClaimKind;
  role: ClaimRole;
  evidence: { ref: string; date: string };
}

export interface ClaimOutcome {
  claim_id: number;
  object_id: number;
  ownership_status: OwnershipStatus;
  disputed_between: number[] | null;
}

/**
 * Files a claim in one transaction: the organisation must exist and have no standing claim for
 * the same role; if it contradicts another standing claim or the record, the object becomes
 * disputed (objects/settle_status) and both events are written.
 */
export async function fileClaim(db: Db, acting: Acting, input: NewClaim): Promise<ClaimOutcome> {
  return db.transaction(async (tx) => {
    await setActor(tx, acting.actor);
    await lockObject(tx, input.objectId);
    const errors: FieldError[] = [];
    const orgs = await checkOrganisations(tx, [{ field: 'organisation_id', id: input.organisationId }], errors);
    if (errors.length > 0) throw badRequest('A claim must come from an organisation that exists.', errors);
    const standing = await maybeOne<{ id: number; claim: ClaimKind }>(tx, 'ownership/claim_active', {
      object_id: input.objectId, organisation_id: input.organisationId, role: input.role,
    });
    if (standing) {
      throw conflict(`${orgs.get(input.organisationId)!.name} already has a standing "${standing.claim}" claim (${standing.id}) on object ${input.objectId} as ${input.role}; an inspector resolves it before another is filed.`);
    }
    const { id } = await one<{ id: number }>(tx, 'ownership/claim_insert', {
      object_id: input.objectId, organisation_id: input.organisationId, claim: input.claim, role: input.role,
      evidence_ref: input.evidence.ref, evidence_date: input.evidence.date, filed_by: acting.userId, now: acting.now,
    });
    await writeObjectEvent(tx, acting, input.objectId, 'claim_filed', {
      claim: { id, organisation_id: input.organisationId, claim: input.claim, role: input.role, evidence_ref: input.evidence.ref, evidence_date: input.evidence.date },
    });
    const settled = await settleStatus(tx, acting, input.objectId, `claim ${id} filed`);
    return { claim_id: id, object_id: input.objectId, ownership_status: settled.after, disputed_between: settled.disputed_between };
  });
}

interface ClaimRow {
  id: number;
  object_id: number;
  organisation_id: number;
  claim: ClaimKind;
  role: ClaimRole;
  evidence_ref: string;
  evidence_date: string;
  resolution: Resolution | null;
  resolved_at: Date | null;
}

export interface ResolutionOutcome extends ClaimOutcome {
  resolution: Resolution;
  /** Other standing claims of the same role that the accepted claim settled. */
  settled_claims: { id: number; resolution: Resolution }[];
}

/**
 * An inspector resolves a standing claim. Accepting "ours" makes the organisation the holder of
 * that role (with the claim's evidence) and settles the role's other standing claims; accepting
 * the holder's "not ours" clears the role; rejecting changes no record. The status is then
 * derived again — a dispute ends when no conflict is left — and an accepted "ours" on an object
 * in the ownerless register closes its record ('owner_found').
 */
export async function resolveClaim(db: Db, acting: Acting, claimId: number, resolution: Resolution, reason: string): Promise<ResolutionOutcome> {
  return db.transaction(async (tx) => {
    await setActor(tx, acting.actor);
    const found = await maybeOne<ClaimRow>(tx, 'ownership/claim_for_update', { id: claimId });
    if (!found) throw notFound(`There is no claim ${claimId}.`);
    if (found.resolution) {
      throw conflict(`Claim ${claimId} was already resolved (${found.resolution}) on ${found.resolved_at!.toISOString()}; a resolution is not changed — file a new claim.`);
    }
    const claim = found;
    const before = await lockObject(tx, claim.object_id);
    await tx.query('ownership/claim_resolve', { id: claimId, resolution, reason, now: acting.now, resolved_by: acting.userId });

    let settledClaims: { id: number; resolution: Resolution }[] = [];
    let record: { owner_id: number | null; balance_holder_id: number | null } | undefined;
    const holderNow = claim.role === 'owner' ? before.owner_id : before.balance_holder_id;
    if (resolution === 'accepted' && claim.claim === 'ours') {
      record = await one(tx, 'ownership/set_holder', {
        object_id: claim.object_id, role: claim.role, holder_id: claim.organisation_id,
        evidence_ref: claim.evidence_ref, evidence_date: claim.evidence_date, recorded_by: acting.userId,
      });
      settledClaims = (await tx.query<{ id: number; resolution: Resolution }>('ownership/claims_settle_role', {
        object_id: claim.object_id, role: claim.role, decided_by: claimId,
        reason: `settled by claim ${claimId} (accepted): ${reason}`, now: acting.now, resolved_by: acting.userId,
      })).map((c) => ({ id: c.id, resolution: c.resolution }));
      const closed = await maybeOne<{ id: number }>(tx, 'ownership/ownerless_owner_found', { object_id: claim.object_id, now: acting.now });
      if (closed) {
        await writeObjectEvent(tx, acting, claim.object_id, 'ownerless_owner_found', {
          ownerless_record_id: closed.id, claim_id: claimId, organisation_id: claim.organisation_id,
        }, reason);
      }
    } else if (resolution === 'accepted' && claim.claim === 'not_ours' && holderNow === claim.organisation_id) {
      record = await one(tx, 'ownership/set_holder', {
        object_id: claim.object_id, role: claim.role, holder_id: null,
        evidence_ref: claim.evidence_ref, evidence_date: claim.evidence_date, recorded_by: acting.userId,
      });
    }
    await writeObjectEvent(tx, acting, claim.object_id, 'claim_resolved', {
      claim: { id: claimId, organisation_id: claim.organisation_id, claim: claim.claim, role: claim.role },
      resolution,
      settled_claims: settledClaims,
      ...(record ? {
        before: { owner_id: before.owner_id, balance_holder_id: before.balance_holder_id, evidence_ref: before.evidence_ref, evidence_date: before.evidence_date },
        after: { owner_id: record.owner_id, balance_holder_id: record.balance_holder_id, evidence_ref: claim.evidence_ref, evidence_date: claim.evidence_date },
      } : {}),
    }, reason);
    const settled = await settleStatus(tx, acting, claim.object_id, `claim ${claimId} ${resolution}`, before.ownership_status);
    return {
      claim_id: claimId, object_id: claim.object_id, resolution, settled_claims: settledClaims,
      ownership_status: settled.after, disputed_between: settled.disputed_between,
    };
  });
}
