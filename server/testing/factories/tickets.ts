// Test factories for intake: categories with Open311 attributes, service areas as rectangles, addresses, api keys, tickets through createTicket.
import { createHash, randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../../db/db.js';
import type { Config } from '../../config.js';
import { loadConfig } from '../../config.js';
import { createTicket } from '../../tickets/intake.js';
import type { AttributeDefinition } from '../../tickets/validate.js';
import type { Actor, CreatedTicket, TicketInput } from '../../tickets/types.js';
import { createOrganisation, ensureContactCentre, type OrganisationRow } from './auth.js';

export { createOrganisation, ensureContactCentre };

/** [west, south, east, north] */
export type Rect = [number, number, number, number];

export function rectWkt([w, s, e, n]: Rect): string {
  return `SRID=4326;MULTIPOLYGON(((${w} ${s},${e} ${s},${e} ${n},${w} ${n},${w} ${s})))`;
}

function unique(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function createServiceCategory(db: Queryable, opts: {
  code?: string;
  nameUk?: string;
  groupCode?: string;
  deadlineClass?: 'emergency' | 'short' | 'medium' | 'long';
  deadlineHours?: number | null;
  utility?: string | null;
  attributes?: AttributeDefinition[];
  active?: boolean;
} = {}): Promise<{ code: string }> {
  const code = opts.code ?? unique('cat');
  await db.sql(
    `INSERT INTO categories (code, name_uk, name_en, group_code, deadline_class, deadline_hours, utility, attributes, keywords, active)
     VALUES ($code, $nameUk, $nameEn, $groupCode, $deadlineClass, $deadlineHours::integer, $utility, $attributes::jsonb, $keywords, $active)`,
    {
      code, nameUk: opts.nameUk ?? `Категорія ${code}`, nameEn: `Category ${code}`, groupCode: opts.groupCode ?? 'test',
      deadlineClass: opts.deadlineClass ?? 'short', deadlineHours: opts.deadlineHours ?? null, utility: opts.utility ?? null,
      attributes: JSON.stringify(opts.attributes ?? []), keywords: 'test', active: opts.active ?? true,
    },
  );
  return { code };
}

export async function createServiceArea(db: Queryable, opts: { executorId: number; categoryCode: string; rect: Rect; priority?: number; name?: string }): Promise<{ id: number }> {
  const [row] = await db.sql<{ id: number }>(
    `INSERT INTO service_areas (executor_id, category_code, priority, name, geom)
     VALUES ($executorId, $categoryCode, $priority, $name, ST_GeomFromEWKT($geom)) RETURNING id`,
    { executorId: opts.executorId, categoryCode: opts.categoryCode, priority: opts.priority ?? 0, name: opts.name ?? '', geom: rectWkt(opts.rect) },
  );
  return row!;
}

/** An address with a small square footprint of ±`half` degrees around its point (none when half is 0). */
export async function createAddress(db: Queryable, opts: { street?: string; house?: string; lon: number; lat: number; half?: number }): Promise<{ id: number; label: string }> {
  const street = opts.street ?? 'Бучми вулиця';
  const house = opts.house ?? String(Math.floor(Math.random() * 1e6));
  await db.sql('INSERT INTO streets (name) VALUES ($street) ON CONFLICT (name) DO NOTHING', { street });
  const half = opts.half ?? 0.0001;
  const label = `${street} ${house}`;
  const [row] = await db.sql<{ id: number }>(
    `INSERT INTO addresses (street_id, house_number, label, point, footprint)
     VALUES ((SELECT id FROM streets WHERE name = $street), $house, $label, ST_SetSRID(ST_MakePoint($lon, $lat), 4326),
             CASE WHEN $half::float8 > 0 THEN ST_GeomFromEWKT($footprint) END)
     RETURNING id`,
    { street, house, label, lon: opts.lon, lat: opts.lat, half, footprint: rectWkt([opts.lon - half, opts.lat - half, opts.lon + half, opts.lat + half]) },
  );
  return { id: row!.id, label };
}

/** An issued Open311 api_key (only its sha256 is stored); revoked when asked. */
export async function createApiKey(db: Queryable, opts: { name?: string; revoked?: boolean } = {}): Promise<{ id: number; key: string }> {
  const key = `key_${randomBytes(12).toString('hex')}`;
  const [row] = await db.sql<{ id: number }>(
    `INSERT INTO api_keys (key_hash, name, revoked_at) VALUES ($hash, $name, CASE WHEN $revoked THEN now() END) RETURNING id`,
    { hash: createHash('sha256').update(key).digest('hex'), name: opts.name ?? unique('client'), revoked: opts.revoked ?? false },
  );
  return { id: row!.id, key };
}

/** The test server's configuration with some ticket settings changed. */
export function configWith(tickets: Partial<Config['tickets']> = {}, rest: Partial<Config> = {}): Config {
  const base = loadConfig({});
  return { ...base, open311ApiKeys: ['test-key'], ...rest, tickets: { ...base.tickets, ...tickets } };
}

/** A ticket through the real intake (routing, deadlines, events), in its own transaction. */
export async function intakeTicket(db: Db, input: Partial<TicketInput> & { categoryCode: string; lon: number; lat: number }, opts: { now?: Date; actor?: Actor; config?: Config } = {}): Promise<CreatedTicket> {
  return db.transaction((tx) => createTicket(tx, { source: 'web', ...input }, {
    now: opts.now ?? new Date(),
    actor: opts.actor ?? { kind: 'citizen' },
    config: opts.config ?? configWith(),
  }));
}

/** A small city for intake tests: a contact centre (the default executor), one category and one executor covering a rectangle. */
export async function createIntakeCity(db: Queryable, opts: { rect?: Rect; category?: Parameters<typeof createServiceCategory>[1] } = {}): Promise<{
  contactCentre: OrganisationRow;
  executor: OrganisationRow;
  category: string;
  rect: Rect;
}> {
  const rect = opts.rect ?? [36.34, 50.02, 36.38, 50.05];
  const contactCentre = await ensureContactCentre(db);
  const executor = await createOrganisation(db, { name: `Виконавець ${randomBytes(2).toString('hex')}` });
  const { code } = await createServiceCategory(db, opts.category ?? {});
  await createServiceArea(db, { executorId: executor.id, categoryCode: code, rect });
  return { contactCentre, executor, category: code, rect };
}
