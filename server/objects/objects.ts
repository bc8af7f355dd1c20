// Infrastructure objects: record, edit, read with history; every change in one transaction with its object event.
import { maybeOne, one, type Db, type Queryable } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { badRequest, conflict, notFound, type FieldError } from '../http/problem.js';
import { explainResponsible, type ResponsibleReason } from '../ownership/responsible.js';
import type { ObjectGeometry } from './schema.js';

export type OwnershipStatus = 'owned' | 'disputed' | 'ownerless' | 'under_investigation';

/** Who acts and when: the user behind the request (null for imports and the system) and the clock's time. */
export interface Acting {
  userId: number | null;
  /** For the audit trail: 'user:12', 'import:osm-kyiv-abandoned', … */
  actor: string;
  now: Date;
}

export interface LockedObject {
  id: number;
  kind: string;
  geometry: ObjectGeometry;
  label: string | null;
  owner_id: number | null;
  balance_holder_id: number | null;
  ownership_status: OwnershipStatus;
  evidence_ref: string | null;
  evidence_date: string | null;
  evidence_recorded_by: number | null;
  photos: string[];
  version: number;
}

export interface OrganisationRef {
  id: number;
  code: string;
  name: string;
  kind: string;
  is_executor: boolean;
}

export interface KindRow {
  code: string;
  geometry: 'point' | 'line';
}

/** Locks one object for the transaction, or 404. */
export async function lockObject(tx: Queryable, id: number): Promise<LockedObject> {
  const row = await maybeOne<LockedObject>(tx, 'objects/for_update', { id });
  if (!row) throw notFound(`There is no object ${id}.`);
  return row;
}

export async function writeObjectEvent(tx: Queryable, acting: Acting, objectId: number, kind: string, data: Record<string, unknown>, note: string | null = null): Promise<void> {
  await tx.query('objects/event_insert', { object_id: objectId, at: acting.now, actor_user_id: acting.userId, kind, note, data: JSON.stringify(data) });
}

/**
 * Re-derives the ownership status after the record or the claims changed (see
 * sql/objects/settle_status.sql) and writes a 'status_changed' event when it moved.
 */
export async function settleStatus(tx: Queryable, acting: Acting, objectId: number, because: string, statusBefore?: OwnershipStatus): Promise<{ before: OwnershipStatus; after: OwnershipStatus; disputed_between: number[] | null }> {
  const s = await one<{ before: OwnershipStatus; after: OwnershipStatus; disputed_between: number[] | null }>(tx, 'objects/settle_status', { id: objectId });
  // The statement that just cleared a holder may have moved the status already; the event tells the whole move.
  const before = statusBefore ?? s.before;
  if (before !== s.after) {
    await writeObjectEvent(tx, acting, objectId, 'status_changed', {
      before: { ownership_status: before },
      after: { ownership_status: s.after, ...(s.disputed_between ? { disputed_between: s.disputed_between } : {}) },
    }, because);
  }
  return { ...s, before };
}

export async function objectKinds(q: Queryable): Promise<Map<string, KindRow>> {
  const rows = await q.query<KindRow>('objects/kinds');
  return new Map(rows.map((r) => [r.code, r]));
}

/** The organisations among ids; a field error for each that does not exist. */
export async function checkOrganisations(q: Queryable, wanted: { field: string; id: number }[], errors: FieldError[]): Promise<Map<number, OrganisationRef>> {
  if (wanted.length === 0) return new Map();
  const rows = await q.query<OrganisationRef>('objects/organisations', { ids: JSON.stringify(wanted.map((w) => w.id)) });
  const found = new Map(rows.map((r) => [r.id, r]));
  for (const w of wanted) if (!found.has(w.id)) errors.push({ field: w.field, message: `there is no organisation ${w.id}` });
  return found;
}

/** 400 unless the geometry lies in the city (see sql/objects/in_city.sql). */
export async function requireInCity(q: Queryable, geometry: ObjectGeometry, field: string): Promise<void> {
  const { inside } = await one<{ inside: boolean }>(q, 'objects/in_city', { geometry: JSON.stringify(geometry) });
  if (!inside) throw badRequest('The place is outside the city.', [{ field, message: 'outside the city: more than about 5 km from every district' }]);
}

/** 400 unless the kind exists and takes this geometry type. */
export async function requireKindGeometry(q: Queryable, kind: string, geometry: ObjectGeometry): Promise<void> {
  const kinds = await objectKinds(q);
  const k = kinds.get(kind);
  if (!k) throw badRequest('Unknown object kind.', [{ field: 'kind', message: `must be one of ${[...kinds.keys()].join(', ')}` }]);
  const wanted = k.geometry === 'point' ? 'Point' : 'LineString';
  if (geometry.type !== wanted) {
    throw badRequest(`An object of kind ${kind} is a ${k.geometry}.`, [{ field: 'geometry', message: `a ${kind} needs a ${wanted} geometry, got a ${geometry.type}` }]);
  }
}

export interface NewObject {
  kind: string;
  geometry: ObjectGeometry;
  label?: string | undefined;
  photos?: string[] | undefined;
  ownerId?: number | null | undefined;
  balanceHolderId?: number | null | undefined;
  evidence?: { ref: string; date: string } | undefined;
  /** 'ownerless' only through the register. */
  status?: 'ownerless' | undefined;
  tags?: Record<string, unknown>;
}

/** Inserts an object inside the caller's transaction and writes its 'created' event. Inputs are already checked. */
export async function insertObject(tx: Queryable, acting: Acting, input: NewObject): Promise<number> {
  const holder = input.ownerId != null || input.balanceHolderId != null;
  const status: OwnershipStatus = holder ? 'owned' : input.status ?? 'under_investigation';
  const { id } = await one<{ id: number }>(tx, 'objects/insert', {
    kind: input.kind,
    geometry: JSON.stringify(input.geometry),
    label: input.label ?? null,
    owner_id: input.ownerId ?? null,
    balance_holder_id: input.balanceHolderId ?? null,
    ownership_status: status,
    evidence_ref: input.evidence?.ref ?? null,
    evidence_date: input.evidence?.date ?? null,
    evidence_recorded_by: input.evidence ? acting.userId : null,
    photos: JSON.stringify(input.photos ?? []),
    tags: JSON.stringify(input.tags ?? {}),
    source: 'manual',
    source_ref: null,
    now: acting.now,
  });
  await writeObjectEvent(tx, acting, id, 'created', {
    after: {
      kind: input.kind, geometry: input.geometry, label: input.label ?? null, ownership_status: status,
      owner_id: input.ownerId ?? null, balance_holder_id: input.balanceHolderId ?? null,
      evidence_ref: input.evidence?.ref ?? null, evidence_date: input.evidence?.date ?? null, photos: input.photos ?? [],
    },
  });
  return id;
}

/** POST /api/objects: an inspector records an object. */
export async function createObject(db: Db, acting: Acting, input: NewObject): Promise<number> {
  return db.transaction(async (tx) => {
    await setActor(tx, acting.actor);
    await requireKindGeometry(tx, input.kind, input.geometry);
    await requireInCity(tx, input.geometry, 'geometry');
    const errors: FieldError[] = [];
    await checkOrganisations(tx, [
      ...(input.ownerId != null ? [{ field: 'owner_id', id: input.ownerId }] : []),
      ...(input.balanceHolderId != null ? [{ field: 'balance_holder_id', id: input.balanceHolderId }] : []),
    ], errors);
    if (errors.length > 0) throw badRequest('The object names an organisation that does not exist.', errors);
    return insertObject(tx, acting, input);
  });
}

export interface ObjectPatch {
  version: number;
  label?: string | null | undefined;
  geometry?: ObjectGeometry | undefined;
  photos?: string[] | undefined;
  ownerId?: number | null | undefined;
  balanceHolderId?: number | null | undefined;
  evidence?: { ref: string; date: string } | undefined;
}

const EDITABLE = ['label', 'geometry', 'photos', 'owner_id', 'balance_holder_id', 'evidence_ref', 'evidence_date'] as const;

/** PATCH /api/objects/:id: label, place, photos, owner and balance holder with their evidence; 409 on a stale version. */
export async function updateObject(db: Db, acting: Acting, id: number, patch: ObjectPatch): Promise<void> {
  await db.transaction(async (tx) => {
    await setActor(tx, acting.actor);
    const before = await lockObject(tx, id);
    if (before.version !== patch.version) {
      throw conflict(`Object ${id} changed since you read it (version ${patch.version}, now ${before.version}); reload it and apply your change again.`);
    }
    const holdersChange = (patch.ownerId !== undefined && patch.ownerId !== before.owner_id) ||
      (patch.balanceHolderId !== undefined && patch.balanceHolderId !== before.balance_holder_id);
    if (holdersChange && !patch.evidence) {
      throw badRequest('A change of owner or balance holder needs its evidence.', [
        { field: 'evidence_ref', message: 'required with a change of owner or balance holder' },
        { field: 'evidence_date', message: 'required with a change of owner or balance holder' },
      ]);
    }
    if (holdersChange && before.ownership_status === 'disputed') {
      throw conflict(`Object ${id} is disputed: settle it by resolving the claims (POST /api/claims/:id/resolve), not by editing the owner.`);
    }
    if (holdersChange && before.ownership_status === 'ownerless') {
      throw conflict(`Object ${id} is in the ownerless register: an owner comes forward with an "ours" claim (POST /api/objects/${id}/claims), or the city takes it by court transfer.`);
    }
    if (patch.geometry) {
      await requireKindGeometry(tx, before.kind, patch.geometry);
      await requireInCity(tx, patch.geometry, 'geometry');
    }
    const errors: FieldError[] = [];
    await checkOrganisations(tx, [
      ...(patch.ownerId != null ? [{ field: 'owner_id', id: patch.ownerId }] : []),
      ...(patch.balanceHolderId != null ? [{ field: 'balance_holder_id', id: patch.balanceHolderId }] : []),
    ], errors);
    if (errors.length > 0) throw badRequest('The change names an organisation that does not exist.', errors);

    const after = {
      label: patch.label !== undefined ? patch.label : before.label,
      geometry: patch.geometry ?? before.geometry,
      photos: patch.photos ?? before.photos,
      owner_id: patch.ownerId !== undefined ? patch.ownerId : before.owner_id,
      balance_holder_id: patch.balanceHolderId !== undefined ? patch.balanceHolderId : before.balance_holder_id,
      evidence_ref: patch.evidence ? patch.evidence.ref : before.evidence_ref,
      evidence_date: patch.evidence ? patch.evidence.date : before.evidence_date,
    };
    const changed = EDITABLE.filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
    if (changed.length === 0) return;
    await tx.query('objects/update', {
      id, ...after,
      geometry: JSON.stringify(after.geometry),
      photos: JSON.stringify(after.photos),
      evidence_recorded_by: patch.evidence ? acting.userId : before.evidence_recorded_by,
    });
    await writeObjectEvent(tx, acting, id, 'updated', {
      before: Object.fromEntries(changed.map((k) => [k, before[k]])),
      after: Object.fromEntries(changed.map((k) => [k, after[k]])),
    });
    if (holdersChange) await settleStatus(tx, acting, id, 'owner or balance holder changed', before.ownership_status);
  });
}

interface DetailRow {
  id: number;
  kind: string;
  responsible_reason: ResponsibleReason;
  responsible_organisation: { id: number; code: string; name: string } | null;
  disputed_between: { id: number; code: string; name: string }[] | null;
  owner: { name: string } | null;
  balance_holder: { name: string } | null;
  [key: string]: unknown;
}

/** GET /api/objects/:id: the object, who answers for it, its history, claims, ownerless record and tickets. */
export async function objectDetail(db: Db, id: number, cityDepartment: string): Promise<Record<string, unknown>> {
  const row = await maybeOne<DetailRow>(db, 'objects/detail', { id, city_department: cityDepartment });
  if (!row) throw notFound(`There is no object ${id}.`);
  const [history, claims, tickets] = await Promise.all([
    db.query('objects/events', { id }),
    db.query('ownership/claims_for_object', { object_id: id }),
    db.query('objects/tickets', { id }),
  ]);
  const { responsible_reason: reason, responsible_organisation: organisation, disputed_between: disputants, ...object } = row;
  return {
    ...object,
    responsible: {
      organisation,
      reason,
      disputed_between: disputants,
      why: explainResponsible(reason, {
        owner: row.owner?.name, balanceHolder: row.balance_holder?.name, city: organisation?.name, disputants: disputants?.map((d) => d.name),
      }),
    },
    claims,
    history,
    tickets,
  };
}

/** The radius within which a ticket's point is taken to be about an object (a pole next to the caller). */
export const OBJECT_MATCH_RADIUS_M = 30;

/**
 * For ticket intake: the nearest object of a kind the category can be about (categories.object_kinds)
 * within OBJECT_MATCH_RADIUS_M of the point, or undefined. Runs inside the caller's transaction.
 */
export async function findObjectForCategory(tx: Queryable, point: { lon: number; lat: number }, categoryCode: string, radiusM = OBJECT_MATCH_RADIUS_M): Promise<{ id: number; kind: string; distance_m: number } | undefined> {
  return maybeOne(tx, 'objects/nearest_for_category', { lon: point.lon, lat: point.lat, category_code: categoryCode, radius: radiusM });
}

/**
 * For ticket intake, a report about an object nobody recorded: the nearest matching object, or a new
 * one of the category's first point kind, under investigation, with a 'reported' event. Undefined
 * when the category is about no kind of point object. The caller has set the actor.
 */
export async function objectForReport(tx: Queryable, acting: Acting, point: { lon: number; lat: number }, categoryCode: string, ticketId?: number): Promise<{ id: number; kind: string; created: boolean } | undefined> {
  const found = await findObjectForCategory(tx, point, categoryCode);
  if (found) return { id: found.id, kind: found.kind, created: false };
  const made = await maybeOne<{ id: number; kind: string }>(tx, 'objects/insert_reported', { lon: point.lon, lat: point.lat, category_code: categoryCode, now: acting.now });
  if (!made) return undefined;
  await writeObjectEvent(tx, acting, made.id, 'reported', {
    after: { kind: made.kind, geometry: { type: 'Point', coordinates: [point.lon, point.lat] }, ownership_status: 'under_investigation' },
    category_code: categoryCode,
    ...(ticketId !== undefined ? { ticket_id: ticketId } : {}),
  }, 'recorded from a ticket about an object nobody had recorded');
  return { ...made, created: true };
}
