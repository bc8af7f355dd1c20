// Outages: zones built and checked in SQL, saved, edited, cancelled and resolved — each write one transaction that also moves the telephonograms.
import { maybeOne, one, type Db, type Queryable } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { badRequest, conflict, forbidden, notFound } from '../http/problem.js';
import type { User } from '../auth/middleware.js';
import { checkWindow, MAX_ZONE_AREA_M2, type ManualTelephonogramInput, type OutageInput, type OutagePatch, type Parity, type ZoneInput } from './schema.js';
import { presentOutage, type OutageRow, type PublicOutage } from './present.js';

/** A zone ready to store: the MultiPolygon (hex EWKB) and how it was given. */
export interface BuiltZone {
  zoneSource: ZoneInput['source'];
  zone: string;
  zoneGeojson: unknown;
  sourceLine: string | null;
  bufferM: number | null;
  sourceObjectId: number | null;
  streetId: number | null;
  houseFrom: number | null;
  houseTo: number | null;
  houseParity: Parity | null;
  addressIds: string | null;
  /** How many addresses the zone covers; null for a drawn zone built for a save, which counts them by attaching. */
  addressCount: number | null;
  areaM2: number;
  warnings: string[];
}

const NO_ADDRESS_WARNING = 'The zone covers no address: no telephonogram will be attached.';

const noSource = { sourceLine: null, bufferM: null, sourceObjectId: null, streetId: null, houseFrom: null, houseTo: null, houseParity: null, addressIds: null };

function refuse(field: string, message: string, detail?: string): never {
  throw badRequest(detail ?? `${field}: ${message}`, [{ field, message }]);
}

function checkArea(field: string, areaM2: number) {
  if (areaM2 > MAX_ZONE_AREA_M2) {
    refuse(field, `the zone is ${Math.round(areaM2 / 1e6)} km², more than the ${MAX_ZONE_AREA_M2 / 1e6} km² an outage may cover; draw it again closer to the network`);
  }
}

function rangeText(z: { houseFrom: number | null; houseTo: number | null; parity: Parity | null }): string {
  const range = z.houseFrom === null && z.houseTo === null ? 'any house' : `houses ${z.houseFrom ?? '…'}–${z.houseTo ?? '…'}`;
  return z.parity ? `${range}, ${z.parity} side` : range;
}

/**
 * Builds the zone in SQL and refuses what cannot be a zone, with the field to fix.
 * A self-intersecting or otherwise invalid polygon is refused, not repaired: ST_MakeValid would
 * guess which part the operator meant (a bow-tie becomes two triangles, a spike vanishes), and
 * the telephonograms would then go to addresses nobody chose. The refusal names the place
 * (ST_IsValidReason gives the point) so the drawing can be fixed there.
 */
export async function buildZone(q: Queryable, zone: ZoneInput, opts: { count: boolean }): Promise<BuiltZone> {
  const warnings: string[] = [];
  switch (zone.source) {
    case 'polygon': {
      const r = await one<{ zone: string | null; zone_geojson: unknown; valid: boolean; invalid_reason: string | null; empty: boolean; area_m2: number; in_city: boolean; address_count: number | null }>(
        q, 'outages/zone_from_polygon', { geojson: zone.geojson, count: opts.count });
      if (!r.valid) {
        refuse('zone.polygon', `the polygon is not valid (${r.invalid_reason}); it is refused rather than repaired, because a repair would guess which addresses you meant — redraw it so that no edge crosses another`);
      }
      if (r.empty || r.zone === null) refuse('zone.polygon', 'the polygon has no area');
      checkArea('zone.polygon', r.area_m2);
      if (!r.in_city) refuse('zone.polygon', 'the zone lies outside the city (no address within about 1 km of it)');
      if (r.address_count === 0) warnings.push(NO_ADDRESS_WARNING);
      return { ...noSource, zoneSource: 'polygon', zone: r.zone, zoneGeojson: r.zone_geojson, addressCount: r.address_count, areaM2: r.area_m2, warnings };
    }
    case 'line': {
      const r = await one<{ zone: string | null; zone_geojson: unknown; line: string | null; usable: boolean; object_found: boolean; object_kind: string | null; area_m2: number; in_city: boolean; address_count: number | null }>(
        q, 'outages/zone_from_line', { geojson: zone.geojson, objectId: zone.objectId, bufferM: zone.bufferM, count: opts.count });
      if (!r.object_found) refuse('zone.line.object_id', `there is no infrastructure object ${zone.objectId}`);
      if (!r.usable || r.zone === null || r.line === null) {
        if (zone.objectId !== null) refuse('zone.line.object_id', `object ${zone.objectId} is a ${r.object_kind}, not a network line; give a line object, draw the line, or draw a polygon`);
        refuse('zone.line', 'the line has no length (all its points are the same)');
      }
      checkArea('zone.buffer_m', r.area_m2);
      if (!r.in_city) refuse('zone.line', 'the line lies outside the city (no address within about 1 km of it)');
      if (r.address_count === 0) warnings.push(NO_ADDRESS_WARNING);
      return {
        ...noSource, zoneSource: 'line', zone: r.zone, zoneGeojson: r.zone_geojson, sourceLine: r.line, bufferM: zone.bufferM,
        sourceObjectId: zone.objectId, addressCount: r.address_count, areaM2: r.area_m2, warnings,
      };
    }
    case 'street_range': {
      const r = await one<{ zone: string | null; zone_geojson: unknown; street_found: boolean; street_name: string | null; area_m2: number; address_count: number }>(
        q, 'outages/zone_from_street_range', { streetId: zone.streetId, houseFrom: zone.houseFrom, houseTo: zone.houseTo, parity: zone.parity });
      if (!r.street_found) refuse('zone.street_id', `there is no street ${zone.streetId}`);
      if (r.address_count === 0 || r.zone === null) refuse('zone.house_from', `${r.street_name} has no address among ${rangeText(zone)}`);
      return {
        ...noSource, zoneSource: 'street_range', zone: r.zone, zoneGeojson: r.zone_geojson, streetId: zone.streetId, houseFrom: zone.houseFrom,
        houseTo: zone.houseTo, houseParity: zone.parity, addressCount: r.address_count, areaM2: r.area_m2, warnings,
      };
    }
    case 'addresses': {
      const r = await one<{ zone: string | null; zone_geojson: unknown; area_m2: number; address_count: number; missing_ids: number[] }>(
        q, 'outages/zone_from_addresses', { addressIds: JSON.stringify(zone.addressIds) });
      if (r.missing_ids.length > 0) refuse('zone.address_ids', `these are not addresses: ${r.missing_ids.join(', ')}`);
      return {
        ...noSource, zoneSource: 'addresses', zone: r.zone!, zoneGeojson: r.zone_geojson, addressIds: JSON.stringify(zone.addressIds),
        addressCount: r.address_count, areaM2: r.area_m2, warnings,
      };
    }
  }
}

/** What the web app shows while the zone is drawn: the shape and the number of addresses it would notify. */
export async function previewZone(db: Queryable, zone: ZoneInput) {
  const built = await buildZone(db, zone, { count: true });
  return { address_count: built.addressCount, area_m2: Math.round(built.areaM2), zone: built.zoneGeojson, warnings: built.warnings };
}

export interface TelephonogramChanges {
  attached: number;
  withdrawn: number;
}

export interface OutageWriteResult {
  outage: PublicOutage;
  telephonograms: TelephonogramChanges;
  tickets?: { moved: number } | { released: number };
  warnings: string[];
}

/** An executor user manages its own organisation's outages only; city staff manage all. */
function assertMayManage(user: User, executorId: number) {
  if (user.role === 'executor' && user.organisationId !== executorId) {
    throw forbidden('An executor manages only its own organisation\'s outages.');
  }
}

export async function getOutage(q: Queryable, id: number): Promise<PublicOutage | undefined> {
  const row = await maybeOne<OutageRow>(q, 'outages/get', { id });
  return row ? presentOutage(row) : undefined;
}

async function reread(q: Queryable, id: number): Promise<PublicOutage> {
  const o = await getOutage(q, id);
  if (!o) throw new Error(`outage ${id} vanished inside its own transaction`);
  return o;
}

async function attach(tx: Queryable, outageId: number, now: Date): Promise<number> {
  return (await one<{ attached: number }>(tx, 'outages/attach_telephonograms', { outageId, now })).attached;
}

async function withdraw(tx: Queryable, outageId: number, now: Date, reason: string, outsideZoneOnly: boolean): Promise<number> {
  return (await one<{ withdrawn: number }>(tx, 'outages/withdraw_telephonograms', { outageId, now, reason, outsideZoneOnly })).withdrawn;
}

function zoneParams(z: BuiltZone) {
  return {
    zoneSource: z.zoneSource, zone: z.zone, sourceLine: z.sourceLine, bufferM: z.bufferM, sourceObjectId: z.sourceObjectId,
    streetId: z.streetId, houseFrom: z.houseFrom, houseTo: z.houseTo, houseParity: z.houseParity, addressIds: z.addressIds,
  };
}

/** The zone's warnings once saved: a drawn zone's address count is known only from what was attached. */
function afterSave(zone: BuiltZone, outage: PublicOutage): string[] {
  return zone.addressCount === null && outage.address_count === 0 ? [...zone.warnings, NO_ADDRESS_WARNING] : zone.warnings;
}

function refuseIfOver(endsAt: Date | null, now: Date) {
  if (endsAt && endsAt.getTime() <= now.getTime()) {
    refuse('ends_at', `the end (${endsAt.toISOString()}) is already past; to end an outage now, resolve it (POST /api/outages/:id/resolve)`);
  }
}

export async function createOutage(db: Db, input: OutageInput, user: User, now: Date): Promise<OutageWriteResult> {
  const executorId = input.executorId ?? (user.role === 'executor' ? user.organisationId : null);
  if (executorId === null) refuse('executor_id', 'name the executor responsible for the outage');
  assertMayManage(user, executorId);
  refuseIfOver(input.endsAt, now);
  return db.transaction(async (tx) => {
    await setActor(tx, `user:${user.id}`);
    await tx.query('outages/lock_telephonograms');
    const refs = await one<{ utility_found: boolean; executor_found: boolean }>(tx, 'outages/check_refs', { utility: input.utility, executorId });
    const errors = [
      ...(refs.utility_found ? [] : [{ field: 'utility', message: `there is no utility '${input.utility}'` }]),
      ...(refs.executor_found ? [] : [{ field: 'executor_id', message: `organisation ${executorId} does not exist or is not an executor` }]),
    ];
    if (errors.length > 0) throw badRequest(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
    const zone = await buildZone(tx, input.zone, { count: false });
    const { id } = await one<{ id: number }>(tx, 'outages/insert', {
      utility: input.utility, kind: input.kind, executorId, startsAt: input.startsAt, endsAt: input.endsAt,
      publicText: input.publicText, createdBy: user.id, now, ...zoneParams(zone),
    });
    const attached = await attach(tx, id, now);
    const outage = await reread(tx, id);
    return { outage, telephonograms: { attached, withdrawn: 0 }, warnings: afterSave(zone, outage) };
  });
}

interface StoredOutage {
  id: number;
  utility: string;
  kind: 'planned' | 'emergency';
  executor_id: number;
  status: string;
  starts_at: Date;
  ends_at: Date | null;
  public_text: string;
  version: number;
  zone_source: ZoneInput['source'];
  zone: string;
  source_line: string | null;
  buffer_m: number | null;
  source_object_id: number | null;
  street_id: number | null;
  house_from: number | null;
  house_to: number | null;
  house_parity: Parity | null;
  address_ids: number[] | null;
}

/** Locks the outage for this transaction and checks who may touch it and that it is the version the caller read. */
async function lockForChange(tx: Queryable, id: number, user: User | null, version: number | null): Promise<StoredOutage> {
  await tx.query('outages/lock_telephonograms');
  const row = await maybeOne<StoredOutage>(tx, 'outages/get_for_update', { id });
  if (!row) throw notFound(`There is no outage ${id}.`);
  if (user) assertMayManage(user, row.executor_id);
  if (version !== null && row.version !== version) {
    throw conflict(`Outage ${id} was changed by someone else since you read it: it is at version ${row.version}, you sent ${version}. Reload it and apply your change again.`);
  }
  if (row.status !== 'scheduled' && row.status !== 'active') {
    throw conflict(`Outage ${id} is ${row.status}; it can no longer be changed.`);
  }
  return row;
}

export async function updateOutage(db: Db, id: number, patch: OutagePatch, user: User, now: Date): Promise<OutageWriteResult> {
  return db.transaction(async (tx) => {
    await setActor(tx, `user:${user.id}`);
    const cur = await lockForChange(tx, id, user, patch.version);
    const kind = patch.kind ?? cur.kind;
    const startsAt = patch.startsAt ?? cur.starts_at;
    const endsAt = patch.endsAt !== undefined ? patch.endsAt : cur.ends_at;
    const publicText = patch.publicText ?? cur.public_text;
    checkWindow(kind, startsAt, endsAt);
    if (patch.endsAt !== undefined || patch.startsAt !== undefined) refuseIfOver(endsAt, now);
    const zone = patch.zone ? await buildZone(tx, patch.zone, { count: false }) : undefined;
    const zoneFields = zone ? zoneParams(zone) : {
      zoneSource: cur.zone_source, zone: cur.zone, sourceLine: cur.source_line, bufferM: cur.buffer_m, sourceObjectId: cur.source_object_id,
      streetId: cur.street_id, houseFrom: cur.house_from, houseTo: cur.house_to, houseParity: cur.house_parity,
      addressIds: cur.address_ids ? JSON.stringify(cur.address_ids) : null,
    };
    const updated = await maybeOne(tx, 'outages/update', { id, version: patch.version, kind, startsAt, endsAt, publicText, now, ...zoneFields });
    if (!updated) throw conflict(`Outage ${id} was changed by someone else meanwhile; reload it and apply your change again.`);
    // Zone first, so addresses that left the zone are withdrawn as 'zone_changed'; then a new
    // text re-issues the rest (the old text stays on the withdrawn rows, as it was read out).
    let withdrawn = zone ? await withdraw(tx, id, now, 'zone_changed', true) : 0;
    if (publicText !== cur.public_text) withdrawn += await withdraw(tx, id, now, 'text_changed', false);
    const attached = zone || publicText !== cur.public_text ? await attach(tx, id, now) : 0;
    const outage = await reread(tx, id);
    return { outage, telephonograms: { attached, withdrawn }, warnings: zone ? afterSave(zone, outage) : [] };
  });
}

const RESOLVED_NOTE = 'Відключення завершено. Якщо проблема лишилася, відкрийте звернення повторно.';
const CANCELLED_NOTE = 'Відключення скасовано; звернення передано виконавцю.';
const UNLINKED_NOTE = 'Звернення не пов\'язане з відключенням; його передано виконавцю.';

/** Resolves a locked live outage: notices withdrawn, waiting tickets to 'done' with an event each. */
async function resolveLocked(tx: Queryable, id: number, now: Date, actor: { userId: number | null; kind: string }, note: string | null) {
  await one(tx, 'outages/end', { outageId: id, status: 'resolved', now });
  const withdrawn = await withdraw(tx, id, now, 'resolved', false);
  const { moved } = await one<{ moved: number }>(tx, 'outages/resolve_linked_tickets', {
    outageId: id, now, note: note ?? RESOLVED_NOTE, actorUserId: actor.userId, actorKind: actor.kind,
  });
  return { withdrawn, moved };
}

export async function resolveOutage(db: Db, id: number, opts: { version: number | null; note: string | null }, user: User, now: Date): Promise<OutageWriteResult> {
  return db.transaction(async (tx) => {
    await setActor(tx, `user:${user.id}`);
    const cur = await lockForChange(tx, id, user, opts.version);
    if (cur.starts_at.getTime() > now.getTime()) {
      throw conflict(`Outage ${id} has not started yet (it starts ${cur.starts_at.toISOString()}); cancel it instead.`);
    }
    const { withdrawn, moved } = await resolveLocked(tx, id, now, { userId: user.id, kind: user.role }, opts.note);
    return { outage: await reread(tx, id), telephonograms: { attached: 0, withdrawn }, tickets: { moved }, warnings: [] };
  });
}

export async function cancelOutage(db: Db, id: number, opts: { version: number | null; note: string | null }, user: User, now: Date): Promise<OutageWriteResult> {
  return db.transaction(async (tx) => {
    await setActor(tx, `user:${user.id}`);
    await lockForChange(tx, id, user, opts.version);
    await one(tx, 'outages/end', { outageId: id, status: 'cancelled', now });
    const withdrawn = await withdraw(tx, id, now, 'cancelled', false);
    const released = await tx.query('outages/unlink_tickets', {
      outageId: id, ticketId: null, now, actorUserId: user.id, actorKind: user.role, note: opts.note ?? CANCELLED_NOTE,
    });
    return { outage: await reread(tx, id), telephonograms: { attached: 0, withdrawn }, tickets: { released: released.length }, warnings: [] };
  });
}

/** The status clock's resolution of one outage whose end has come; false when someone got there first. */
export async function resolveDueOutage(db: Db, id: number, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    await setActor(tx, 'system:outage-clock');
    await tx.query('outages/lock_telephonograms');
    const cur = await maybeOne<StoredOutage>(tx, 'outages/get_for_update', { id });
    if (!cur || (cur.status !== 'scheduled' && cur.status !== 'active') || !cur.ends_at || cur.ends_at.getTime() > now.getTime()) return false;
    await resolveLocked(tx, id, now, { userId: null, kind: 'system' }, null);
    return true;
  });
}

/** An operator decides a ticket is not explained by the outage after all: it goes to its executor. */
export async function unlinkTicket(db: Db, outageId: number, ticketId: number, user: User, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await setActor(tx, `user:${user.id}`);
    const rows = await tx.query('outages/unlink_tickets', {
      outageId, ticketId, now, actorUserId: user.id, actorKind: user.role, note: UNLINKED_NOTE,
    });
    if (rows.length === 0) throw notFound(`Ticket ${ticketId} is not linked to outage ${outageId}.`);
  });
}

export async function linkedTickets(q: Queryable, outageId: number) {
  return q.query('outages/linked_tickets', { outageId });
}

export async function addManualTelephonograms(db: Db, input: ManualTelephonogramInput, user: User, now: Date) {
  if (input.validUntil && input.validUntil.getTime() <= now.getTime()) refuse('valid_until', 'the notice would already have expired');
  return db.transaction(async (tx) => {
    await setActor(tx, `user:${user.id}`);
    const r = await one<{ telephonograms: { id: number; address_id: number }[]; missing_ids: number[] }>(tx, 'outages/manual_telephonograms_insert', {
      addressIds: JSON.stringify(input.addressIds), text: input.text, now, userId: user.id, validUntil: input.validUntil,
    });
    // Nothing half-attached: one unknown id rolls the whole request back.
    if (r.missing_ids.length > 0) refuse('address_ids', `these are not addresses: ${r.missing_ids.join(', ')}`);
    return { telephonograms: r.telephonograms, text: input.text, valid_until: input.validUntil?.toISOString() ?? null };
  });
}

export async function withdrawManualTelephonogram(db: Db, id: number, user: User, now: Date) {
  return db.transaction(async (tx) => {
    await setActor(tx, `user:${user.id}`);
    const row = await maybeOne<{ id: number; address_id: number; withdrawn_at: Date }>(tx, 'outages/withdraw_manual_telephonogram', { id, now });
    if (!row) throw notFound(`There is no live manual telephonogram ${id} (an outage's telephonograms follow their outage).`);
    return { id: row.id, address_id: row.address_id, withdrawn_at: row.withdrawn_at.toISOString() };
  });
}
