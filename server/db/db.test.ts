// The foundation: migrations, constraints and the named-query layer, on either backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { migrate, migrationFiles } from './migrate.js';
import { MissingParameterError } from './named.js';
import type { Db } from './db.js';

let db: Db;
before(async () => { db = await testDb(); });
after(async () => { await db.close(); });

const square = 'SRID=4326;MULTIPOLYGON(((36.35 50.03,36.36 50.03,36.36 50.04,36.35 50.04,36.35 50.03)))';

test('every migration is recorded and a second run applies nothing', async () => {
  const rows = await db.sql<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
  assert.deepEqual(rows.map((r) => r.version), migrationFiles().map((m) => m.version));
  assert.deepEqual(await migrate(db), []);
});

test('PostGIS and pg_trgm are installed', async () => {
  const [row] = await db.sql<{ postgis: string; sim: number }>("SELECT postgis_lib_version() AS postgis, similarity('бучми', 'бучмі') AS sim");
  assert.match(row!.postgis, /^3\./);
  assert.ok(row!.sim > 0.3);
});

test('a self-intersecting polygon is refused by its constraint', async () => {
  const bowtie = 'SRID=4326;MULTIPOLYGON(((36.35 50.03,36.36 50.04,36.36 50.03,36.35 50.04,36.35 50.03)))';
  await assert.rejects(db.sql('INSERT INTO districts (name, geom) VALUES ($name, $geom)', { name: 'Bowtie', geom: bowtie }),
    /districts_geom_check/);
  await db.sql('INSERT INTO districts (name, geom) VALUES ($name, $geom)', { name: 'Square', geom: square });
});

test('a geometry in another SRID is refused', async () => {
  await assert.rejects(db.sql('INSERT INTO districts (name, geom) VALUES ($name, ST_Transform($geom::geometry, 3857))', { name: 'Metric', geom: square }),
    /SRID/);
});

test('an unknown ticket status is refused', async () => {
  await db.sql("INSERT INTO organisations (code, name, kind) VALUES ('lights', 'Міськсвітло', 'city_department')");
  await db.sql("INSERT INTO categories (code, name_uk, name_en, group_code, deadline_class) VALUES ('street_light', 'Не світить ліхтар', 'Street light out', 'lighting', 'short')");
  const insert = (status: string) => db.sql(`INSERT INTO tickets (category_code, status, location, source, executor_id, routed_by, deadline_class, accept_due_at, due_at)
    VALUES ('street_light', $status, 'SRID=4326;POINT(36.355 50.035)', 'web', (SELECT id FROM organisations WHERE code = 'lights'),
            'default', 'short', now() + interval '10 minutes', now() + interval '1 day')`, { status });
  await assert.rejects(insert('lost'), /tickets_status_fkey/);
  await insert('new');
  assert.equal((await db.sql('SELECT 1 FROM tickets')).length, 1);
});

test('an outage that ends before it starts is refused', async () => {
  await db.sql("INSERT INTO organisations (code, name, kind) VALUES ('water', 'Водоканал', 'utility')");
  await assert.rejects(db.sql(`INSERT INTO outages (utility, kind, executor_id, starts_at, ends_at, public_text, zone_source, zone)
    VALUES ('water', 'planned', (SELECT id FROM organisations WHERE code = 'water'), $starts, $ends, 'Ремонт', 'polygon', $zone)`,
  { starts: '2026-11-23T10:00:00Z', ends: '2026-11-23T08:00:00Z', zone: square }), /outages_window_check/);
});

test('the named-query layer names a missing parameter', async () => {
  await assert.rejects(db.query('health/versions', {}).then(() => db.sql('SELECT $a::int + $b::int AS s', { a: 1 })),
    (err: unknown) => err instanceof MissingParameterError && /\$b/.test(err.message));
  const [row] = await db.sql<{ s: number }>('SELECT $a::int + $b::int AS s', { a: 1, b: 2 });
  assert.equal(row!.s, 3);
});

test('a transaction that throws leaves nothing behind', async () => {
  await assert.rejects(db.transaction(async (tx) => {
    await tx.sql("INSERT INTO organisations (code, name, kind) VALUES ('half', 'Half-written', 'utility')");
    throw new Error('boom');
  }), /boom/);
  assert.equal((await db.sql("SELECT 1 FROM organisations WHERE code = 'half'")).length, 0);
});

test('NOTIFY reaches a listener', async () => {
  const got = new Promise<string>((resolve) => { void db.listen('misto_test', resolve); });
  await new Promise((r) => setTimeout(r, 50));
  await db.sql("SELECT pg_notify('misto_test', 'hello')");
  assert.equal(await got, 'hello');
});
