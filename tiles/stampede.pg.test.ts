// The stampede seen from the database: on a cluster with pg_stat_statements, 64 simultaneous
// requests for one uncached tile leave one execution of the tile statement.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPgCluster, destroyPgCluster, type PgCluster } from '../server/testing/pg-cluster.js';
import { openPostgres } from '../server/db/postgres.js';
import { migrate } from '../server/db/migrate.js';
import { startTestServer, type TestServer } from '../server/testing/server.js';
import { ManualClock } from '../server/clock.js';
import type { Db } from '../server/db/db.js';
import { makeTileCity } from '../server/testing/factories/tiles.js';
import { LAYERS } from './layers.js';
import { tileOf } from './tile.js';
import { get } from './testing.js';

let cluster: PgCluster;
let db: Db;
let server: TestServer;
const clock = new ManualClock('2026-11-23T09:00:00Z');

before(async () => {
  cluster = await startPgCluster({ settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } });
  db = await openPostgres({ connectionString: cluster.urlFor('postgres'), poolSize: 10 });
  await migrate(db);
  await db.exec('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await makeTileCity(db, clock.now());
  server = await startTestServer(db, { clock });
});
after(async () => {
  await server?.close();
  await db?.close();
  if (cluster) await destroyPgCluster(cluster);
});

test('pg_stat_statements counts one tile statement for 64 simultaneous requests', async () => {
  const t = tileOf(36.3452, 50.0301, 15);
  const url = `${server.url}/tiles/${LAYERS.map((l) => l.id).join(',')}/${t.z}/${t.x}/${t.y}.mvt`;
  await db.sql('SELECT pg_stat_statements_reset()');
  const responses = await Promise.all(Array.from({ length: 64 }, () => get(url)));
  assert.ok(responses.every((r) => r.status === 200));
  const [row] = await db.sql<{ calls: number }>(
    "SELECT coalesce(sum(calls), 0)::int AS calls FROM pg_stat_statements WHERE query LIKE 'WITH bounds AS%'");
  assert.equal(row!.calls, 1);
});
