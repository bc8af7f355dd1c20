// A hand-made small city for the tile tests: a few streets, buildings, addresses, service
// areas, outages, objects and tickets around Бучми вулиця, written straight in SQL, with
// private details (contacts, descriptions, tokens) that no tile may ever carry.
import type { Queryable } from '../../db/db.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type LonLat = [number, number];

/** A closed box as an EWKT multipolygon, [west, south, east, north]. */
export function boxWkt(w: number, s: number, e: number, n: number): string {
  return `SRID=4326;MULTIPOLYGON(((${w} ${s},${e} ${s},${e} ${n},${w} ${n},${w} ${s})))`;
}

/** A small square footprint around a point (about 15 m across). */
export function footprintWkt([lon, lat]: LonLat): string {
  return boxWkt(lon - 0.0001, lat - 0.0001, lon + 0.0001, lat + 0.0001);
}

const pointWkt = ([lon, lat]: LonLat) => `SRID=4326;POINT(${lon} ${lat})`;

export interface TicketSpec {
  at: LonLat;
  status?: string;
  category?: string;
  /** Hours from now to the deadline (negative: past it). */
  dueInHours?: number;
  createdHoursAgo?: number;
  closedDaysAgo?: number;
}

/** What the private side of every factory ticket says; a tile that shows any of it leaks. */
export const PRIVATE = {
  firstName: 'Оксана-Приватна',
  lastName: 'Секретенко',
  email: 'private.person@example.org',
  phone: '+380671112233',
  deviceId: 'device-secret-42',
  description: 'PRIVATE description: кв. 17, код домофону 4321',
  addressText: 'PRIVATE address text, під’їзд 2',
  cause: 'PRIVATE cause noted by the operator',
} as const;

/** One ticket with its private contact row; returns its id and token. */
export async function addTicket(db: Queryable, now: Date, spec: TicketSpec): Promise<{ id: number; token: string }> {
  const created = new Date(now.getTime() - (spec.createdHoursAgo ?? 1) * HOUR);
  const due = new Date(now.getTime() + (spec.dueInHours ?? 24) * HOUR);
  const status = spec.status ?? 'new';
  const closed = spec.closedDaysAgo === undefined ? null : new Date(now.getTime() - spec.closedDaysAgo * DAY);
  const [row] = await db.sql<{ id: number; token: string }>(
    `INSERT INTO tickets (category_code, status, description, location, address_text, source, executor_id, routed_by,
                          deadline_class, created_at, accept_due_at, due_at, closed_at, cause)
     VALUES ($category, $status, $description, $location::geometry, $addressText, 'web',
             (SELECT id FROM organisations WHERE code = 'tiles-vodokanal'), 'service_area', 'short',
             $created::timestamptz, $created::timestamptz + interval '10 minutes',
             greatest($due::timestamptz, $created::timestamptz + interval '1 minute'), $closed::timestamptz, $cause)
     RETURNING id, token::text AS token`,
    {
      category: spec.category ?? 'tiles_water_leak', status, description: PRIVATE.description,
      location: pointWkt(spec.at), addressText: PRIVATE.addressText, created, due, closed, cause: PRIVATE.cause,
    },
  );
  await db.sql(
    `INSERT INTO ticket_contacts (ticket_id, first_name, last_name, email, phone, device_id)
     VALUES ($id, $firstName, $lastName, $email, $phone, $deviceId)`,
    { id: row!.id, firstName: PRIVATE.firstName, lastName: PRIVATE.lastName, email: PRIVATE.email, phone: PRIVATE.phone, deviceId: PRIVATE.deviceId },
  );
  return row!;
}

export interface TileCity {
  now: Date;
  streets: { buchmy: number; shyroninciv: number };
  addresses: { a1: { id: number; at: LonLat }; a2: { id: number; at: LonLat }; a3: { id: number; at: LonLat }; a4: { id: number; at: LonLat } };
  building: { id: number; at: LonLat };
  serviceAreas: { water: number; lighting: number };
  outages: { activeWater: number; upcomingPower: number; resolved: number; cancelled: number };
  objects: { manhole: { id: number; at: LonLat }; powerLine: number; pole: { id: number; at: LonLat } };
  /** Shown on the map: open, overdue, done, recently closed, and one due in 30 minutes. */
  tickets: {
    open: { id: number; at: LonLat; token: string };
    overdue: { id: number; at: LonLat; token: string };
    done: { id: number; at: LonLat; token: string };
    closedRecently: { id: number; at: LonLat; token: string };
    dueSoon: { id: number; at: LonLat; token: string };
    elsewhere: { id: number; at: LonLat; token: string };
  };
  /** Not on the map: closed a month ago, rejected, duplicate. */
  hiddenTickets: { id: number; at: LonLat; token: string }[];
}

/** The city; `now` is the test clock's time, which the windows and deadlines are set from. */
export async function makeTileCity(db: Queryable, now: Date): Promise<TileCity> {
  const one = async (sql: string, params: Record<string, unknown> = {}) => (await db.sql<{ id: number }>(sql, params))[0]!.id;

  const org = (code: string, name: string, kind: string) =>
    one('INSERT INTO organisations (code, name, kind) VALUES ($code, $name, $kind) RETURNING id', { code, name, kind });
  const vodokanal = await org('tiles-vodokanal', 'Водоканал', 'utility');
  const svitlo = await org('tiles-svitlo', 'Міськсвітло', 'city_department');
  const energo = await org('tiles-energo', 'Обленерго', 'utility');
  await db.sql(`INSERT INTO categories (code, name_uk, name_en, group_code, deadline_class, utility) VALUES
    ('tiles_water_leak', 'Тече вода', 'Water leak', 'water', 'short', 'water'),
    ('tiles_street_light', 'Не світить ліхтар', 'Street light out', 'lighting', 'short', 'power')`);

  const street = (name: string, wkt: string) => one('INSERT INTO streets (name, geom) VALUES ($name, $geom::geometry) RETURNING id', { name, geom: wkt });
  const buchmy = await street('Бучми вулиця', 'SRID=4326;MULTILINESTRING((36.340 50.0300,36.360 50.0300))');
  const shyroninciv = await street('Гвардійців-Широнінців вулиця', 'SRID=4326;MULTILINESTRING((36.3500 50.022,36.3500 50.038))');

  const address = async (house: string, at: LonLat, withFootprint: boolean) => ({
    id: await one(`INSERT INTO addresses (street_id, house_number, label, point, footprint, levels)
                   VALUES ($street, $house, $label, $point::geometry, $footprint::geometry, 9) RETURNING id`,
    { street: buchmy, house, label: `Бучми вулиця ${house}`, point: pointWkt(at), footprint: withFootprint ? footprintWkt(at) : null }),
    at,
  });
  const a1 = await address('1', [36.3450, 50.0305], true);
  const a2 = await address('3', [36.3460, 50.0305], true);
  const a3 = await address('5', [36.3550, 50.0305], true);
  const a4 = await address('7', [36.3560, 50.0295], false);
  const buildingAt: LonLat = [36.3470, 50.0290];
  const building = await one('INSERT INTO buildings (footprint, levels) VALUES ($f::geometry, 5) RETURNING id', { f: footprintWkt(buildingAt) });

  const area = (executor: number, category: string, name: string, wkt: string) =>
    one('INSERT INTO service_areas (executor_id, category_code, name, geom) VALUES ($executor, $category, $name, $geom::geometry) RETURNING id',
      { executor, category, name, geom: wkt });
  const water = await area(vodokanal, 'tiles_water_leak', 'Уся ділянка', boxWkt(36.33, 50.02, 36.37, 50.04));
  const lighting = await area(svitlo, 'tiles_street_light', 'Захід', boxWkt(36.34, 50.025, 36.35, 50.035));

  const outage = (o: { utility: string; kind: string; executor: number; status: string; starts: Date; ends: Date | null; text: string; zone: string }) =>
    one(`INSERT INTO outages (utility, kind, executor_id, status, starts_at, ends_at, public_text, zone_source, zone)
         VALUES ($utility, $kind, $executor, $status, $starts::timestamptz, $ends::timestamptz, $text, 'polygon', $zone::geometry) RETURNING id`, o);
  const at = (hours: number) => new Date(now.getTime() + hours * HOUR);
  const activeWater = await outage({ utility: 'water', kind: 'emergency', executor: vodokanal, status: 'active', starts: at(-2), ends: at(4),
    text: 'Аварія на водогоні: води немає до 15:00', zone: boxWkt(36.3440, 50.0300, 36.3470, 50.0310) });
  const upcomingPower = await outage({ utility: 'power', kind: 'planned', executor: energo, status: 'scheduled', starts: at(24), ends: at(32),
    text: 'Планові роботи на лінії', zone: boxWkt(36.3545, 50.0290, 36.3565, 50.0310) });
  const resolved = await outage({ utility: 'heating', kind: 'planned', executor: energo, status: 'resolved', starts: at(-48), ends: at(-40),
    text: 'Завершено', zone: boxWkt(36.3440, 50.0290, 36.3570, 50.0310) });
  const cancelled = await outage({ utility: 'gas', kind: 'planned', executor: energo, status: 'cancelled', starts: at(10), ends: at(12),
    text: 'Скасовано', zone: boxWkt(36.3440, 50.0290, 36.3570, 50.0310) });
  // The outage service attaches a telephonogram to every address in a zone when it saves one.
  await db.sql(`INSERT INTO telephonograms (outage_id, address_id, text)
    SELECT o.id, a.id, o.public_text FROM outages o JOIN addresses a ON ST_Intersects(o.zone, a.point)
    WHERE o.status IN ('scheduled', 'active')`);

  const object = (kind: string, wkt: string, status: string, owner: number | null) =>
    one(`INSERT INTO objects (kind, geom, label, owner_id, ownership_status, evidence_ref, evidence_date)
         VALUES ($kind, $geom::geometry, 'PRIVATE object label', $owner, $status, 'PRIVATE evidence ref', '2026-01-01') RETURNING id`,
    { kind, geom: wkt, status, owner });
  const manholeAt: LonLat = [36.3480, 50.0302];
  const manhole = await object('manhole', pointWkt(manholeAt), 'owned', vodokanal);
  const powerLine = await object('power_line', 'SRID=4326;LINESTRING(36.3520 50.0280,36.3580 50.0320)', 'disputed', null);
  const poleAt: LonLat = [36.3455, 50.0298];
  const pole = await object('street_light_pole', pointWkt(poleAt), 'ownerless', null);

  const ticket = async (spec: TicketSpec) => ({ ...(await addTicket(db, now, spec)), at: spec.at });
  const tickets = {
    open: await ticket({ at: [36.3452, 50.0301], category: 'tiles_street_light', dueInHours: 20 }),
    overdue: await ticket({ at: [36.3462, 50.0303], status: 'in_progress', dueInHours: -2, createdHoursAgo: 30 }),
    done: await ticket({ at: [36.3551, 50.0302], status: 'done', dueInHours: -5, createdHoursAgo: 40 }),
    closedRecently: await ticket({ at: [36.3553, 50.0298], status: 'closed', closedDaysAgo: 2, createdHoursAgo: 100, dueInHours: -50 }),
    dueSoon: await ticket({ at: [36.3458, 50.0299], status: 'accepted', dueInHours: 0.5 }),
    elsewhere: await ticket({ at: [36.3300, 50.0400], status: 'needs_info', dueInHours: 48 }),
  };
  const hiddenTickets = [
    await ticket({ at: [36.3554, 50.0297], status: 'closed', closedDaysAgo: 30, createdHoursAgo: 1000, dueInHours: -900 }),
    await ticket({ at: [36.3456, 50.0306], status: 'rejected', dueInHours: 10 }),
    await ticket({ at: [36.3457, 50.0304], status: 'duplicate', dueInHours: 10 }),
  ];

  return {
    now,
    streets: { buchmy, shyroninciv },
    addresses: { a1, a2, a3, a4 },
    building: { id: building, at: buildingAt },
    serviceAreas: { water, lighting },
    outages: { activeWater, upcomingPower, resolved, cancelled },
    objects: { manhole: { id: manhole, at: manholeAt }, powerLine, pole: { id: pole, at: poleAt } },
    tickets,
    hiddenTickets,
  };
}
