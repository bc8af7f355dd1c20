// Validation of ticket requests at the edge, shared by Open311 POST, the citizen web form and operator intake.
import { one, type Queryable } from '../db/db.js';
import { badRequest, type FieldError } from '../http/problem.js';
import type { AttributeValue, TicketInput, TicketSource } from './types.js';

/** An Open311 attribute definition as categories.attributes stores it (in order). */
export interface AttributeDefinition {
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required?: boolean;
  description: string;
  order?: number;
  datatype_description?: string | null;
  /** false for an informational attribute that takes no value (Open311 "variable"). */
  variable?: boolean;
  values?: { key: string; name: string }[];
}

/**
 * The two spellings of one request. 'open311' is GeoReport v2 (service_code, long, attribute[code]);
 * 'api' is our JSON (category, lon, attributes). Errors name fields as the caller spelled them.
 */
export type Dialect = 'open311' | 'api';

const NAMES: Record<Dialect, Record<string, string>> = {
  open311: {
    category: 'service_code', lat: 'lat', lon: 'long', addressId: 'address_id', addressString: 'address_string',
    objectId: 'object_id', description: 'description', mediaUrl: 'media_url', attributes: 'attribute',
    firstName: 'first_name', lastName: 'last_name', email: 'email', phone: 'phone', deviceId: 'device_id',
    duplicateOf: 'duplicate_of', deadlineClass: 'deadline_class', cause: 'cause', premisesAccess: 'premises_access',
    callerInformed: 'caller_informed',
  },
  api: {
    category: 'category', lat: 'lat', lon: 'lon', addressId: 'address_id', addressString: 'address_string',
    objectId: 'object_id', description: 'description', mediaUrl: 'media_url', attributes: 'attributes',
    firstName: 'first_name', lastName: 'last_name', email: 'email', phone: 'phone', deviceId: 'device_id',
    duplicateOf: 'duplicate_of', deadlineClass: 'deadline_class', cause: 'cause', premisesAccess: 'premises_access',
    callerInformed: 'caller_informed',
  },
};

export interface ValidateOptions {
  dialect: Dialect;
  source: TicketSource;
  /** Operator intake may set the deadline class, cause, premises access and whether the caller was told the deadline. */
  operatorFields?: boolean;
}

type Body = Record<string, unknown>;

/** Collects field errors; every check either returns a clean value or records why not. */
class Checker {
  readonly errors: FieldError[] = [];
  constructor(private readonly body: Body, private readonly names: Record<string, string>) {}

  name(key: string): string {
    return this.names[key] ?? key;
  }

  fail(key: string, message: string, field = this.name(key)) {
    this.errors.push({ field, message });
  }

  raw(key: string): unknown {
    return this.body[this.name(key)];
  }

  /** A trimmed string, or undefined when absent or empty. */
  text(key: string, max: number, opts: { multiline?: boolean } = {}): string | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') return void this.fail(key, 'must be a string');
    const s = String(v).trim();
    if (s === '') return undefined;
    if (!opts.multiline && /[\r\n]/.test(s)) return void this.fail(key, 'must be one line');
    if (!cleanText(s)) return void this.fail(key, 'must not contain control characters');
    if ([...s].length > max) return void this.fail(key, `must be at most ${max} characters`);
    return s;
  }

  number(key: string, min: number, max: number): number | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n)) return void this.fail(key, 'must be a number');
    if (n < min || n > max) return void this.fail(key, `must be from ${min} to ${max}`);
    return n;
  }

  /** `max`: addresses.id is an integer column, so its ids stop at 2^31 − 1. */
  id(key: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return undefined;
    const s = String(v).trim();
    if (!/^[1-9]\d{0,14}$/.test(s) || (typeof v !== 'string' && typeof v !== 'number') || Number(s) > max) return void this.fail(key, 'must be a positive whole number');
    return Number(s);
  }

  boolean(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return undefined;
    if (v === true || v === 'true' || v === '1') return true;
    if (v === false || v === 'false' || v === '0') return false;
    return void this.fail(key, 'must be true or false');
  }
}

// Control characters (other than tab and line breaks) and broken UTF-16 cannot be stored as text or sent as XML.
function cleanText(s: string): boolean {
  return !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

function httpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Open311 attribute[code] arrives as an object (form, qs) or as flat "attribute[code]" keys (JSON clients). */
function collectAttributes(body: Body, name: string): Record<string, unknown> | 'invalid' {
  const out: Record<string, unknown> = {};
  const nested = body[name];
  if (nested !== undefined && nested !== null && nested !== '') {
    if (typeof nested !== 'object' || Array.isArray(nested)) return 'invalid';
    Object.assign(out, nested);
  }
  const flat = new RegExp(`^${name}\\[([^\\]]+)\\](\\[\\])?$`);
  for (const [k, v] of Object.entries(body)) {
    const m = flat.exec(k);
    if (m) out[m[1] as string] = v;
  }
  return out;
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Checks attribute values against the category's definitions; returns the clean values. */
export function checkAttributes(
  definitions: AttributeDefinition[],
  given: Record<string, unknown>,
  fieldName: (code: string) => string,
): { values: Record<string, AttributeValue>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const values: Record<string, AttributeValue> = {};
  const byCode = new Map(definitions.map((d) => [d.code, d]));
  for (const code of Object.keys(given)) {
    if (!byCode.has(code)) errors.push({ field: fieldName(code), message: 'is not an attribute of this service' });
  }
  for (const def of definitions) {
    if (def.variable === false) continue;
    const field = fieldName(def.code);
    const raw = given[def.code];
    const absent = raw === undefined || raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0);
    if (absent) {
      if (def.required) errors.push({ field, message: `is required: ${def.description}` });
      continue;
    }
    const keys = new Set((def.values ?? []).map((v) => String(v.key)));
    const scalar = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number') ? String(v).trim() : undefined;
    switch (def.datatype) {
      case 'string':
      case 'text': {
        const s = scalar(raw);
        const max = def.datatype === 'text' ? 4000 : 1000;
        if (s === undefined) errors.push({ field, message: 'must be a string' });
        else if (!cleanText(s)) errors.push({ field, message: 'must not contain control characters' });
        else if ([...s].length > max) errors.push({ field, message: `must be at most ${max} characters` });
        else values[def.code] = s;
        break;
      }
      case 'number': {
        const s = scalar(raw);
        const n = s !== undefined && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : NaN;
        if (!Number.isFinite(n)) errors.push({ field, message: 'must be a number' });
        else values[def.code] = n;
        break;
      }
      case 'datetime': {
        const s = scalar(raw);
        if (s === undefined || !ISO_DATETIME.test(s) || Number.isNaN(Date.parse(s))) {
          errors.push({ field, message: 'must be an ISO 8601 date and time with a zone, e.g. 2026-11-23T09:00:00+02:00' });
        } else values[def.code] = new Date(s).toISOString();
        break;
      }
      case 'singlevaluelist': {
        const s = scalar(raw);
        if (s === undefined || !keys.has(s)) errors.push({ field, message: `must be one of ${[...keys].join(', ')}` });
        else values[def.code] = s;
        break;
      }
      case 'multivaluelist': {
        const list = (Array.isArray(raw) ? raw : [raw]).map(scalar);
        if (list.length > keys.size || list.some((s) => s === undefined || !keys.has(s))) {
          errors.push({ field, message: `must be a list of values from ${[...keys].join(', ')}` });
        } else values[def.code] = [...new Set(list as string[])];
        break;
      }
    }
  }
  return { values, errors };
}

interface Refs {
  category: { code: string; active: boolean; attributes: AttributeDefinition[] } | null;
  address_by_id: { id: number; lon: number; lat: number; label: string } | null;
  address_by_text: { id: number; lon: number; lat: number; label: string } | null;
  object: { id: number; lon: number; lat: number } | null;
  duplicate_of: { id: number; open: boolean; category: string } | null;
  deadline_class_exists: boolean | null;
}

/** The refs of a request that asks for nothing but its category (most Open311 requests: a point and a service). */
const NOTHING_LOOKED_UP: Refs = { category: null, address_by_id: null, address_by_text: null, object: null, duplicate_of: null, deadline_class_exists: null };

/**
 * Turns a request body into a TicketInput or throws a 400 problem listing every bad field. Checks
 * shapes first; only clean values reach the one lookup query (category, address, object, original).
 */
export async function validateTicketRequest(q: Queryable, body: unknown, opts: ValidateOptions): Promise<TicketInput> {
  const names = NAMES[opts.dialect];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a form or a JSON object.', [{ field: 'body', message: 'must be an object' }]);
  }
  const c = new Checker(body as Body, names);

  const categoryRaw = c.text('category', 64);
  let category: string | undefined;
  if (categoryRaw === undefined) c.fail('category', 'is required');
  else if (!/^[a-z0-9_-]+$/.test(categoryRaw)) c.fail('category', 'is not a known service code');
  else category = categoryRaw;

  const lat = c.number('lat', -90, 90);
  const lon = c.number('lon', -180, 180);
  // null is "not given", as number() reads it: a lat of null beside a lon is a missing lat, not a location.
  const given = (v: unknown) => v !== undefined && v !== null && v !== '';
  const latGiven = given(c.raw('lat'));
  const lonGiven = given(c.raw('lon'));
  if (latGiven !== lonGiven) c.fail(latGiven ? 'lon' : 'lat', `is required together with ${c.name(latGiven ? 'lat' : 'lon')}`);
  const addressId = c.id('addressId', 2_147_483_647);
  const addressString = c.text('addressString', 500);
  const objectId = c.id('objectId');
  if (!latGiven && !lonGiven && addressId === undefined && addressString === undefined && objectId === undefined &&
      !c.errors.some((e) => e.field === c.name('addressId') || e.field === c.name('addressString') || e.field === c.name('objectId'))) {
    c.fail('lat', `a location is required: ${c.name('lat')} and ${c.name('lon')}, ${c.name('addressString')} or ${c.name('addressId')}`);
  }

  const description = c.text('description', 4000, { multiline: true });
  const mediaUrl = c.text('mediaUrl', 2000);
  if (mediaUrl !== undefined && !httpUrl(mediaUrl)) c.fail('mediaUrl', 'must be an http or https URL');
  const firstName = c.text('firstName', 200);
  const lastName = c.text('lastName', 200);
  const email = c.text('email', 320);
  if (email !== undefined && !EMAIL.test(email)) c.fail('email', 'must be an e-mail address');
  const phone = c.text('phone', 50);
  if (phone !== undefined && (!/^[+0-9 ()\-.]+$/.test(phone) || (phone.match(/\d/g) ?? []).length < 5)) {
    c.fail('phone', 'must be a phone number (digits, spaces, + ( ) -)');
  }
  const deviceId = c.text('deviceId', 200);
  const duplicateOf = c.id('duplicateOf');

  let deadlineClass: string | undefined;
  let cause: string | undefined;
  let premisesAccess: string | undefined;
  let callerInformed: boolean | undefined;
  if (opts.operatorFields) {
    deadlineClass = c.text('deadlineClass', 32);
    if (deadlineClass !== undefined && !/^[a-z_]+$/.test(deadlineClass)) { c.fail('deadlineClass', 'is not a deadline class'); deadlineClass = undefined; }
    cause = c.text('cause', 1000, { multiline: true });
    premisesAccess = c.text('premisesAccess', 1000, { multiline: true });
    callerInformed = c.boolean('callerInformed');
  }

  const attributeName = names.attributes as string;
  const attributesGiven = collectAttributes(body as Body, attributeName);
  if (attributesGiven === 'invalid') c.fail('attributes', opts.dialect === 'open311' ? 'must be given as attribute[code]=value' : 'must be an object of code: value');

  if (c.errors.length > 0) throw badRequest('Some fields are not valid.', c.errors);

  const lookups = {
    addressId: addressId ?? null,
    addressString: latGiven || addressId !== undefined ? null : addressString ?? null,
    objectId: objectId ?? null,
    duplicateOf: duplicateOf ?? null,
    deadlineClass: deadlineClass ?? null,
  };
  const refs: Refs = Object.values(lookups).every((v) => v === null)
    ? { ...NOTHING_LOOKED_UP, ...await one<Pick<Refs, 'category'>>(q, 'tickets/validate-category', { category: category as string }) }
    : await one<Refs>(q, 'tickets/validate-refs', { category: category as string, ...lookups });

  if (!refs.category || !refs.category.active) {
    throw badRequest(`There is no service ${category}.`, [{ field: c.name('category'), message: `${category} is not a known service code` }]);
  }
  if (addressId !== undefined && !refs.address_by_id) c.fail('addressId', `no address has id ${addressId}`);
  if (objectId !== undefined && !refs.object) c.fail('objectId', `no object has id ${objectId}`);
  if (!latGiven && addressId === undefined && addressString !== undefined && !refs.address_by_text) {
    c.fail('addressString', `no address matches "${addressString}"; give ${c.name('lat')} and ${c.name('lon')} instead`);
  }
  if (duplicateOf !== undefined) {
    if (!refs.duplicate_of) c.fail('duplicateOf', `no ticket has id ${duplicateOf}`);
    else if (!refs.duplicate_of.open) c.fail('duplicateOf', `ticket ${refs.duplicate_of.id} is closed; register a new ticket instead`);
  }
  if (deadlineClass !== undefined && !refs.deadline_class_exists) c.fail('deadlineClass', `${deadlineClass} is not a deadline class`);

  const attrs = checkAttributes(refs.category.attributes, attributesGiven as Record<string, unknown>,
    (code) => opts.dialect === 'open311' ? `attribute[${code}]` : `attributes.${code}`);
  c.errors.push(...attrs.errors);
  if (c.errors.length > 0) throw badRequest('Some fields are not valid.', c.errors);

  // Where: the point given; else the address's point; else the object's.
  const place = lat !== undefined && lon !== undefined ? { lon, lat }
    : refs.address_by_id ?? refs.address_by_text ?? refs.object as { lon: number; lat: number };
  const address = refs.address_by_id ?? (lat === undefined ? refs.address_by_text : null);
  const contact = { firstName, lastName, email, phone, deviceId };
  return {
    source: opts.source,
    categoryCode: refs.category.code,
    lon: place.lon,
    lat: place.lat,
    addressId: address?.id ?? null,
    addressText: addressString ?? null,
    objectId: objectId ?? null,
    description: description ?? '',
    attributes: attrs.values,
    mediaUrl: mediaUrl ?? null,
    ...(Object.values(contact).some((v) => v !== undefined) ? { contact } : {}),
    duplicateOf: refs.duplicate_of?.id ?? null,
    deadlineClass: deadlineClass ?? null,
    cause: cause ?? null,
    premisesAccess: premisesAccess ?? null,
    callerInformed: callerInformed ?? null,
  };
}
