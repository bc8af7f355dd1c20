// The ownerless register (Civil Code of Ukraine art. 335): found → on record → public notice → eligible after one year → transferred by court.
import { maybeOne, one, type Db } from '../db/db.js';
import { setActor } from '../db/actor.js';
import { badRequest, conflict, notFound, type FieldError } from '../http/problem.js';
import {
  insertObject, lockObject, requireInCity, requireKindGeometry, settleStatus, writeObjectEvent,
  type Acting, type NewObject,
} from '../objects/objects.js';

export const STAGES = ['found', 'on_record', 'public_notice', 'eligible', 'transferred'] as const;
/** Every stage a record can be at: the path, and 'owner_found' (an owner came forward; the record ends). */
export const ALL_STAGES = [...STAGES, 'owner_found'] as const;
export type Stage = (typeof ALL_STAGES)[number];
export const DANGER_LEVELS = ['low', 'medium', 'high'] as const;
export type DangerLevel = (typeof DANGER_LEVELS)[number];

const NEXT: Partial<Record<Stage, Stage>> = { found: 'on_record', on_record: 'public_notice', public_notice: 'eligible', eligible: 'transferred' };

/** What a step needs besides the stage: a date (defaulting to now) and a document reference, or nothing. */
const STEP_NEEDS: Record<Exclude<Stage, 'found' | 'owner_found'>, { at: boolean; ref: string | undefined }> = {
  on_record: { at: true, ref: 'the reference of the entry taking the object on record' },
  public_notice: { at: true, ref: 'the reference of the public notice (publication)' },
  eligible: { at: false, ref: undefined },
  transferred: { at: true, ref: 'the court decision transferring the object to communal ownership' },
};

export interface FoundInput {
  /** An object already recorded (under investigation); otherwise `object` describes a new one. */
  objectId?: number | undefined;
  object?: NewObject | undefined;
  dangerLevel: DangerLevel;
  foundAt?: Date | undefined;
  note?: string | undefined;
}

/** POST /api/ownerless: an inspector records a found object; the object (made if needed) becomes ownerless. */
export async function recordFound(db: Db, acting: Acting, input: FoundInput): Promise<{ record_id: number; object_id: number }> {
  const foundAt = input.foundAt ?? acting.now;
  if (foundAt.getTime() > acting.now.getTime()) {
    throw badRequest('An object cannot be found in the future.', [{ field: 'found_at', message: `must not be after now (${acting.now.toISOString()})` }]);
  }
  return db.transaction(async (tx) => {
    await setActor(tx, acting.actor);
    let objectId: number;
    if (input.objectId !== undefined) {
      objectId = input.objectId;
      const object = await lockObject(tx, objectId);
      const existing = await maybeOne<{ id: number; stage: Stage }>(tx, 'ownership/ownerless_by_object', { object_id: objectId });
      if (existing) throw conflict(`Object ${objectId} is already in the ownerless register (record ${existing.id}, stage ${existing.stage}).`);
      if (object.ownership_status !== 'under_investigation') {
        throw conflict(`Object ${objectId} is ${object.ownership_status}: only an object whose owner is unknown (under investigation) can be recorded as ownerless; settle its owner through claims first.`);
      }
    } else {
      const object = input.object!;
      await requireKindGeometry(tx, object.kind, object.geometry);
      await requireInCity(tx, object.geometry, 'geometry');
      objectId = await insertObject(tx, acting, { ...object, ownerId: null, balanceHolderId: null, evidence: undefined, status: 'ownerless' });
    }
    const { id } = await one<{ id: number }>(tx, 'ownership/ownerless_insert', {
      object_id: objectId, danger_level: input.dangerLevel, found_at: foundAt, found_by: acting.userId, note: input.note ?? null,
    });
    await writeObjectEvent(tx, acting, objectId, 'ownerless_found', {
      after: { ownerless_record_id: id, stage: 'found', danger_level: input.dangerLevel, found_at: foundAt.toISOString() },
    }, input.note ?? null);
    await settleStatus(tx, acting, objectId, 'recorded as found ownerless');
    return { record_id: id, object_id: objectId };
  });
}

export interface AdvanceInput {
  stage: Stage;
  at?: Date | undefined;
  ref?: string | undefined;
}

interface RecordRow {
  id: number;
  object_id: number;
  stage: Stage;
  found_at: Date;
  recorded_at: Date | null;
  notice_at: Date | null;
  eligible_from: string | null;
  ownership_status: string;
}

/**
 * Moves a record to the next stage only, with the date and document that stage needs;
 * 'eligible' only once the clock has reached eligible_from; 'transferred' makes the city
 * department the owner on record (the court decision as evidence).
 */
export async function advanceRecord(db: Db, acting: Acting, recordId: number, input: AdvanceInput, cityDepartment: string): Promise<{ record_id: number; object_id: number; stage: Stage }> {
  return db.transaction(async (tx) => {
    await setActor(tx, acting.actor);
    const record = await maybeOne<RecordRow>(tx, 'ownership/ownerless_for_update', { id: recordId });
    if (!record) throw notFound(`There is no ownerless record ${recordId}.`);
    const next = NEXT[record.stage];
    if (!next) throw conflict(`Ownerless record ${recordId} is closed at stage ${record.stage}; it moves no further.`);
    if (input.stage !== next) {
      throw conflict(`Ownerless record ${recordId} is at stage ${record.stage}; the next stage is ${next}, not ${input.stage}. Stages are taken in order: ${STAGES.join(' → ')}.`);
    }
    const needs = STEP_NEEDS[next as keyof typeof STEP_NEEDS];
    const errors: FieldError[] = [];
    if (needs.ref && !input.ref) errors.push({ field: 'ref', message: `${next} needs ${needs.ref}` });
    if (!needs.ref && input.ref !== undefined) errors.push({ field: 'ref', message: `${next} takes no document` });
    if (!needs.at && input.at !== undefined) errors.push({ field: 'at', message: `${next} takes no date: it is reached when the year after taking on record has run out` });
    const at = input.at ?? acting.now;
    if (at.getTime() > acting.now.getTime()) errors.push({ field: 'at', message: `must not be after now (${acting.now.toISOString()})` });
    const previous = next === 'on_record' ? record.found_at : next === 'public_notice' ? record.recorded_at : next === 'transferred' ? record.notice_at : null;
    if (needs.at && previous && at.getTime() < previous.getTime()) {
      errors.push({ field: 'at', message: `must not be before the previous stage (${previous.toISOString()})` });
    }
    if (errors.length > 0) throw badRequest(`The step to ${next} is missing or has wrong details.`, errors);

    const today = acting.now.toISOString().slice(0, 10);
    if (next === 'eligible' && (record.eligible_from === null || today < record.eligible_from)) {
      throw conflict(`Ownerless record ${recordId} becomes eligible for transfer on ${record.eligible_from}, one year after it was taken on record; today is ${today}.`);
    }
    let cityId: number | undefined;
    if (next === 'transferred') {
      const city = await maybeOne<{ id: number; name: string }>(tx, 'ownership/city_department', { code: cityDepartment });
      if (!city) throw conflict(`The city department "${cityDepartment}" is not an organisation here; create it before transferring objects to it.`);
      cityId = city.id;
      await lockObject(tx, record.object_id);
      const claims = await tx.query<{ id: number; claim: string; resolved_at: Date | null }>('ownership/claims_for_object', { object_id: record.object_id });
      const standing = claims.filter((c) => c.claim === 'ours' && c.resolved_at === null).map((c) => c.id);
      if (standing.length > 0) throw conflict(`Object ${record.object_id} has standing "ours" claims (${standing.join(', ')}); resolve them before the transfer.`);
    }
    const moved = await maybeOne<{ id: number; stage: Stage; eligible_from: string | null }>(tx, 'ownership/ownerless_advance', {
      id: recordId, from: record.stage, to: next, at: needs.at ? at : null, ref: needs.ref ? input.ref! : null,
    });
    if (!moved) throw conflict(`Ownerless record ${recordId} changed meanwhile; reload it.`);
    await writeObjectEvent(tx, acting, record.object_id, 'ownerless_advanced', {
      ownerless_record_id: recordId,
      before: { stage: record.stage },
      after: { stage: next, ...(needs.at ? { at: at.toISOString() } : {}), ...(needs.ref ? { ref: input.ref } : {}), ...(moved.eligible_from ? { eligible_from: moved.eligible_from } : {}) },
    });
    if (next === 'transferred') {
      await tx.query('ownership/set_holder', {
        object_id: record.object_id, role: 'owner', holder_id: cityId, evidence_ref: input.ref!, evidence_date: at.toISOString().slice(0, 10), recorded_by: acting.userId,
      });
      await writeObjectEvent(tx, acting, record.object_id, 'updated', {
        before: { owner_id: null }, after: { owner_id: cityId, evidence_ref: input.ref, evidence_date: at.toISOString().slice(0, 10) },
      }, 'transferred to communal ownership by court');
      await settleStatus(tx, acting, record.object_id, 'transferred to communal ownership');
    }
    return { record_id: recordId, object_id: record.object_id, stage: next };
  });
}

export interface RegisterEntry {
  id: number;
  object_id: number;
  kind: string;
  kind_name_uk: string;
  kind_name_en: string;
  label: string | null;
  lon: number;
  lat: number;
  geometry: unknown;
  stage: Stage;
  danger_level: DangerLevel;
  found_at: Date;
  recorded_at: Date | null;
  record_ref: string | null;
  notice_at: Date | null;
  notice_ref: string | null;
  eligible_from: string | null;
  year_passed: boolean;
  transferred_at: Date | null;
  court_ref: string | null;
  owner_found_at: Date | null;
  source: string;
}

/** The register (public fields), by stage, with year_passed computed at `now`. */
export async function listRegister(db: Db, opts: { stage?: Stage | undefined; limit: number; offset: number; now: Date }): Promise<{ total: number; entries: RegisterEntry[] }> {
  const rows = await db.query<RegisterEntry & { total: number }>('ownership/ownerless_list', {
    stage: opts.stage ?? null, limit: opts.limit, offset: opts.offset, now: opts.now,
  });
  return { total: rows[0]?.total ?? 0, entries: rows.map(({ total: _total, ...e }) => e) };
}

const CSV_COLUMNS = [
  'id', 'object_id', 'kind', 'kind_name_uk', 'label', 'lon', 'lat', 'stage', 'danger_level', 'found_at', 'recorded_at',
  'record_ref', 'notice_at', 'notice_ref', 'eligible_from', 'year_passed', 'transferred_at', 'court_ref', 'owner_found_at', 'source',
] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
 * Text that a spreadsheet would run as a formula (= + - @ tab CR first) gets a leading apostrophe.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The register as CSV: a UTF-8 BOM (so spreadsheet programs read Cyrillic right), a header, CRLF lines. */
export function registerCsv(entries: RegisterEntry[]): string {
  const lines = [CSV_COLUMNS.join(','), ...entries.map((e) => CSV_COLUMNS.map((c) => csvCell(e[c])).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The register as a GeoJSON FeatureCollection (the object's own geometry, public fields as properties). */
export function registerGeoJson(entries: RegisterEntry[]): Record<string, unknown> {
  return {
    type: 'FeatureCollection',
    features: entries.map(({ geometry, lon: _lon, lat: _lat, ...properties }) => ({
      type: 'Feature',
      id: properties.id,
      geometry,
      properties,
    })),
  };
}
