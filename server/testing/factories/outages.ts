// Test factories for outages and addresses: a hand-made small city where every right answer is known, and outages, categories, tickets and objects placed in it.
//
// The city (coordinates exact to 6 decimals, so boundary cases are exactly on the boundary):
//
//   lat 50.0032  Гагаріна проспект 20 · 20А · 22           (x = 36.3010, 36.3020, 36.3030)
//   lat 50.0010  ───────── the water main (36.3000 → 36.3100) ─────────
//                Сердюка 1 (20 m N), 3 (29 m S), 5 (31 m N) at x 36.3050; 7 and 9 beyond the east end (25 m, 35 m)
//   lat 50.0002  Бучми 10 12 14 16 18 18-Д 20 22             (x = 36.3010 … 36.3070, 18-Д at 36.3055)
//                Героїв Праці 7 at (36.3030, 50.00027): 2 m from Бучми 14's footprint, on another street
//   lat 49.9998  Бучми 11 13 15                              (x = 36.3010, 36.3020, 36.3030)
//   far away     Мар'янська 5 (36.3100, 50.0050), Сумська 1 (36.3120, 50.0060)
//
// SQUARE (the polygon zone) is x 36.3020–36.3040, y 49.9998–50.0004: Бучми 12 and 16 lie on its
// west and east edges, Бучми 13 on its south-west corner, Бучми 15 on its south edge.
import type { Queryable, Db } from '../../db/db.js';
import type { User } from '../../auth/middleware.js';
import { createOrganisation, createUser } from './auth.js';
import { createOutage } from '../../outages/outages.js';
import type { OutageInput, ZoneInput } from '../../outages/schema.js';

/** One metre north, in degrees of latitude at 50° N (meridional radius of curvature). */
export const METRE_LAT = 1 / 111_229;
/** One metre east, in degrees of longitude at 50° N. */
export const METRE_LON = 1 / 71_696;

const round6 = (n: number) => Number(n.toFixed(6));

export const SQUARE = {
  type: 'Polygon',
  coordinates: [[[36.302, 49.9998], [36.304, 49.9998], [36.304, 50.0004], [36.302, 50.0004], [36.302, 49.9998]]],
};

export const WATER_MAIN = { type: 'LineString', coordinates: [[36.3, 50.001], [36.31, 50.001]] };

interface HouseSpec {
  key: string;
  street: string;
  house: string;
  lon: number;
  lat: number;
  footprint?: boolean;
}

export const STREETS = {
  buchmy: 'Бучми вулиця',
  gagarina: 'Гагаріна проспект',
  marianska: 'Мар\'янська вулиця',
  heroiv: 'Героїв Праці вулиця',
  sumska: 'Сумська вулиця',
  serdiuka: 'Леся Сердюка вулиця',
} as const;

export type StreetKey = keyof typeof STREETS;

const HOUSES: HouseSpec[] = [
  ...[['10', 36.301], ['12', 36.302], ['14', 36.303], ['16', 36.304], ['18', 36.305], ['18-Д', 36.3055], ['20', 36.306], ['22', 36.307]]
    .map(([h, x]) => ({ key: `buchmy ${h}`, street: 'buchmy', house: h as string, lon: x as number, lat: 50.0002, footprint: true })),
  ...[['11', 36.301], ['13', 36.302], ['15', 36.303]]
    .map(([h, x]) => ({ key: `buchmy ${h}`, street: 'buchmy', house: h as string, lon: x as number, lat: 49.9998, footprint: true })),
  ...[['20', 36.301], ['20А', 36.302], ['22', 36.303]]
    .map(([h, x]) => ({ key: `gagarina ${h}`, street: 'gagarina', house: h as string, lon: x as number, lat: 50.0032 })),
  { key: 'heroiv 7', street: 'heroiv', house: '7', lon: 36.303, lat: 50.00027 },
  { key: 'marianska 5', street: 'marianska', house: '5', lon: 36.31, lat: 50.005 },
  { key: 'sumska 1', street: 'sumska', house: '1', lon: 36.312, lat: 50.006 },
  { key: 'serdiuka 1', street: 'serdiuka', house: '1', lon: 36.305, lat: round6(50.001 + 20 * METRE_LAT) },
  { key: 'serdiuka 3', street: 'serdiuka', house: '3', lon: 36.305, lat: round6(50.001 - 29 * METRE_LAT) },
  { key: 'serdiuka 5', street: 'serdiuka', house: '5', lon: 36.305, lat: round6(50.001 + 31 * METRE_LAT) },
  { key: 'serdiuka 7', street: 'serdiuka', house: '7', lon: round6(36.31 + 25 * METRE_LON), lat: 50.001 },
  { key: 'serdiuka 9', street: 'serdiuka', house: '9', lon: round6(36.31 + 35 * METRE_LON), lat: 50.001 },
];

export interface SmallCity {
  streets: Record<StreetKey, number>;
  /** Address ids by "street house", e.g. addresses['buchmy 18-Д']. */
  addresses: Record<string, number>;
  /** The key of an address id, for readable assertions. */
  keyOf(id: number): string;
  executor: { id: number; code: string };
  operator: User;
}

/** A label the way the demo data writes it: "Бучми вулиця 18-Д". */
function label(street: string, house: string) {
  return `${street} ${house}`;
}

/** A footprint about 14 × 11 m around the point, as buildings in the demo city have. */
function footprintWkt(lon: number, lat: number) {
  const dx = 0.0001;
  const dy = 0.00005;
  const ring = [[lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy], [lon - dx, lat + dy], [lon - dx, lat - dy]]
    .map(([x, y]) => `${round6(x!)} ${round6(y!)}`).join(',');
  return `SRID=4326;MULTIPOLYGON(((${ring})))`;
}

export async function createStreet(db: Queryable, name: string): Promise<number> {
  const [row] = await db.sql<{ id: number }>('INSERT INTO streets (name) VALUES ($name) RETURNING id', { name });
  return row!.id;
}

export async function createAddress(db: Queryable, opts: { streetId: number; streetName: string; house: string; lon: number; lat: number; footprint?: boolean }): Promise<number> {
  const [row] = await db.sql<{ id: number }>(
    `INSERT INTO addresses (street_id, house_number, label, point, footprint)
     VALUES ($streetId, $house, $label, ST_SetSRID(ST_MakePoint($lon, $lat), 4326), $footprint::geometry)
     RETURNING id`,
    { streetId: opts.streetId, house: opts.house, label: label(opts.streetName, opts.house), lon: opts.lon, lat: opts.lat,
      footprint: opts.footprint ? footprintWkt(opts.lon, opts.lat) : null },
  );
  return row!.id;
}

export async function createSmallCity(db: Db): Promise<SmallCity> {
  const streets = {} as Record<StreetKey, number>;
  for (const [key, name] of Object.entries(STREETS)) streets[key as StreetKey] = await createStreet(db, name);
  const addresses: Record<string, number> = {};
  for (const h of HOUSES) {
    const street = h.street as StreetKey;
    addresses[h.key] = await createAddress(db, { streetId: streets[street], streetName: STREETS[street], house: h.house, lon: h.lon, lat: h.lat, footprint: h.footprint ?? false });
  }
  const byId = new Map(Object.entries(addresses).map(([k, v]) => [v, k]));
  const executor = await createOrganisation(db, { name: 'Харківводоканал' });
  await db.sql('UPDATE organisations SET public_phone = $phone WHERE id = $id', { phone: '+380 57 700 00 00', id: executor.id });
  const operator = await createUser(db, { role: 'operator' });
  return { streets, addresses, keyOf: (id) => byId.get(id) ?? `#${id}`, executor: { id: executor.id, code: executor.code }, operator };
}

/** An outage saved through the real logic (zone built, telephonograms attached), defaults filled in. */
export async function createTestOutage(db: Db, city: SmallCity, opts: Partial<OutageInput> & { zone: ZoneInput; now?: Date }) {
  const now = opts.now ?? new Date('2026-11-23T09:00:00Z');
  const input: OutageInput = {
    utility: opts.utility ?? 'water',
    kind: opts.kind ?? 'emergency',
    executorId: opts.executorId ?? city.executor.id,
    startsAt: opts.startsAt ?? new Date(now.getTime() - 3600_000),
    endsAt: opts.endsAt === undefined ? new Date(now.getTime() + 6 * 3600_000) : opts.endsAt,
    publicText: opts.publicText ?? 'Аварія на водогоні, води немає',
    zone: opts.zone,
  };
  return createOutage(db, input, city.operator, now);
}

export const polygonZone = (geometry: object = SQUARE): ZoneInput => ({ source: 'polygon', geojson: JSON.stringify(geometry) });

/** A category whose tickets an outage of `utility` explains (or none, with utility null). */
export async function createUtilityCategory(db: Queryable, code: string, utility: string | null): Promise<string> {
  await db.sql(
    `INSERT INTO categories (code, name_uk, name_en, group_code, deadline_class, utility)
     VALUES ($code, $code, $code, 'utilities', 'short', $utility)`,
    { code, utility },
  );
  return code;
}

/** A ticket straight into the table at a point (and optionally an address), in any status. */
export async function placeTicket(db: Queryable, opts: {
  categoryCode: string; executorId: number; lon: number; lat: number; addressId?: number | null; status?: string;
  createdAt?: Date; closedAt?: Date | null; description?: string;
}): Promise<number> {
  const createdAt = opts.createdAt ?? new Date('2026-11-23T08:00:00Z');
  const [row] = await db.sql<{ id: number }>(
    `INSERT INTO tickets (category_code, status, description, location, address_id, source, executor_id, routed_by,
                          deadline_class, created_at, updated_at, accept_due_at, due_at, closed_at)
     VALUES ($categoryCode, $status, $description, ST_SetSRID(ST_MakePoint($lon, $lat), 4326), $addressId, 'import', $executorId,
             'manual', 'short', $createdAt, $createdAt, $acceptDueAt, $dueAt, $closedAt)
     RETURNING id`,
    {
      categoryCode: opts.categoryCode, status: opts.status ?? 'new', description: opts.description ?? 'Немає води', lon: opts.lon, lat: opts.lat,
      addressId: opts.addressId ?? null, executorId: opts.executorId, createdAt,
      acceptDueAt: new Date(createdAt.getTime() + 10 * 60_000), dueAt: new Date(createdAt.getTime() + 24 * 3600_000),
      closedAt: opts.closedAt ?? null,
    },
  );
  return row!.id;
}

/** An infrastructure object (a point thing or a network line given as WKT) with its owner and balance holder. */
export async function placeObject(db: Queryable, opts: { kind: string; wkt: string; label?: string; ownerId?: number | null; balanceHolderId?: number | null }): Promise<number> {
  const owned = opts.ownerId != null || opts.balanceHolderId != null;
  const [row] = await db.sql<{ id: number }>(
    `INSERT INTO objects (kind, geom, label, owner_id, balance_holder_id, ownership_status)
     VALUES ($kind, ST_GeomFromText($wkt, 4326), $label, $ownerId, $balanceHolderId, $status)
     RETURNING id`,
    { kind: opts.kind, wkt: opts.wkt, label: opts.label ?? null, ownerId: opts.ownerId ?? null, balanceHolderId: opts.balanceHolderId ?? null,
      status: owned ? 'owned' : 'under_investigation' },
  );
  return row!.id;
}

/** Live telephonograms of an outage, as address keys, sorted. */
export async function liveKeys(db: Queryable, city: SmallCity, outageId: number): Promise<string[]> {
  const rows = await db.sql<{ address_id: number }>(
    'SELECT address_id FROM telephonograms WHERE outage_id = $outageId AND withdrawn_at IS NULL', { outageId });
  return rows.map((r) => city.keyOf(r.address_id)).sort();
}
