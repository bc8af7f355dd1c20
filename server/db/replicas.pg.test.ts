// Read replicas on a real primary + hot standby: where reads and writes go, read-your-writes, and a lagging or stopped replica leaving and rejoining the rotation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres } from './postgres.js';
import { withPrimaryReads } from './replicas.js';
import type { Db } from './db.js';
import { startPgPair, type PgPair } from '../testing/pg-standby.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { configWith, createAddress, createApiKey, createIntakeCity, createServiceCategory } from '../testing/factories/tickets.js';
import { WROTE_COOKIE } from '../http/read-your-writes.js';
import { tileOf } from '../../tiles/tile.js';
import { decodeTile, get } from '../../tiles/testing.js';

// Long enough that a read right after a write on a busy machine still finds the paused replica in rotation.
const MAX_LAG_MS = 1_500;
let pair: PgPair;
let db: Db;
let server: TestServer;
let city: Awaited<ReturnType<typeof createIntakeCity>>;
let apiKey: string;

before(async () => {
  pair = await startPgPair();
  db = await openPostgres({ connectionString: pair.primaryUrl, poolSize: 4, readUrls: [pair.standbyUrl], readMaxLagMs: MAX_LAG_MS, readCheckMs: 50 });
  city = await createIntakeCity(db);
  apiKey = (await createApiKey(db)).key;
  server = await startTestServer(db, { config: configWith({}, { databaseReadUrls: [pair.standbyUrl], databaseReadMaxLagMs: MAX_LAG_MS }) });
  await pair.caughtUp();
  await until(() => db.replicaStats!()[0]!.inRotation, 'the replica joins the rotation');
});
after(async () => {
  await server?.close();
  await db?.close();
  await pair?.destroy();
});

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const onStandby = async (q: { sql: Db['sql'] }) => (await q.sql<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby'))[0]!.standby;

test('reads through db.reader() run on the standby, writes and plain queries on the primary', async () => {
  assert.equal(await onStandby(db.reader()), true);
  assert.equal(await onStandby(db), false);
  const [who] = await db.reader().sql<{ app: string }>("SELECT current_setting('application_name') AS app");
  assert.equal(who!.app, 'misto-read');
  // With replay paused, a row written on the primary is there for the primary only (a table
  // without a NOTIFY trigger: a NOTIFY would send reads to the primary by itself).
  await db.sql('CREATE TABLE replica_probe (n integer)');
  await pair.caughtUp();
  await pair.pauseReplay();
  try {
    await db.transaction((tx) => tx.sql('INSERT INTO replica_probe VALUES (1)'));
    const count = 'SELECT count(*)::int AS n FROM replica_probe';
    assert.deepEqual(await db.sql(count), [{ n: 1 }]);
    assert.deepEqual(await db.reader().sql(count), [{ n: 0 }], `the read went to the primary: ${JSON.stringify(db.replicaStats!())}`);
  } finally {
    await pair.resumeReplay();
  }
  await pair.caughtUp();
});

test('inside withPrimaryReads, db.reader() reads from the primary', async () => {
  assert.equal(await withPrimaryReads(() => onStandby(db.reader())), false);
  await until(() => db.replicaStats!()[0]!.inRotation, 'the replica is back in rotation');
  assert.equal(await onStandby(db.reader()), true);
});

test('a replica lagging past the bound leaves the rotation, reads go to the primary, and it returns once replay resumes', async () => {
  await until(() => db.replicaStats!()[0]!.inRotation, 'the replica is in rotation');
  await pair.pauseReplay();
  try {
    await db.sql("INSERT INTO streets (name) VALUES ('Відстала вулиця')");
    await until(() => !db.replicaStats!()[0]!.inRotation, 'the lagging replica leaves the rotation');
    assert.ok(db.replicaStats!()[0]!.lagMs > MAX_LAG_MS);
    assert.equal(await onStandby(db.reader()), false, 'out of rotation: reads go to the primary');
  } finally {
    await pair.resumeReplay();
  }
  await until(() => db.replicaStats!()[0]!.inRotation, 'the replica rejoins after replay resumes');
  assert.equal(db.replicaStats!()[0]!.lagMs, 0);
  assert.equal(await onStandby(db.reader()), true);
});

test('an idle primary does not make a caught-up replica look lagging', async () => {
  await until(() => db.replicaStats!()[0]!.inRotation, 'the replica is in rotation');
  await new Promise((r) => setTimeout(r, MAX_LAG_MS * 2));
  const [stats] = db.replicaStats!();
  assert.equal(stats!.inRotation, true);
  assert.equal(stats!.lagMs, 0);
});

test('a stopped replica is skipped without errors and taken back when it starts again', async () => {
  await until(() => db.replicaStats!()[0]!.inRotation, 'the replica is in rotation');
  await pair.standby.stop();
  try {
    // The first reads may still pick it: they fail over to the primary, no error reaches the caller.
    for (let i = 0; i < 5; i++) assert.equal(await onStandby(db.reader()), false);
    await until(() => !db.replicaStats!()[0]!.inRotation, 'the stopped replica leaves the rotation');
  } finally {
    await pair.standby.restart();
  }
  await until(() => db.replicaStats!()[0]!.inRotation, 'the restarted replica rejoins');
  assert.equal(await onStandby(db.reader()), true);
});

test('after a NOTIFY, reads go to the primary until the replica has replayed the change it announces', async () => {
  await pair.caughtUp();
  await until(() => db.replicaStats!()[0]!.inRotation, 'the replica is in rotation');
  const seen: boolean[] = [];
  const stop = await db.listen('misto_changes', () => { void onStandby(db.reader()).then((s) => seen.push(s)); });
  await pair.pauseReplay();
  try {
    await createAddress(db, { lon: 36.36, lat: 50.03 });
    await until(() => seen.length > 0, 'the NOTIFY arrives');
    // A street and an address: each change announced sends its read to the primary.
    assert.ok(seen.every((standby) => !standby), `reads started by the NOTIFYs went to the standby: ${JSON.stringify(seen)}`);
    // Well within the lag bound the replica is still in rotation, yet it is not used: it lacks the change.
    assert.equal(await onStandby(db.reader()), false);
  } finally {
    await pair.resumeReplay();
    await stop();
  }
  await until(async () => onStandby(db.reader()), 'reads return to the replica once it has replayed the change');
});

test('a GET carrying the recent-writer cookie reads from the primary, one without it from the replica', async () => {
  await pair.caughtUp();
  await until(() => db.replicaStats!()[0]!.inRotation, 'the replica is in rotation');
  const codes = async (headers: Record<string, string>) =>
    ((await (await fetch(`${server.url}/open311/v2/services.json`, { headers })).json()) as { service_code: string }[]).map((s) => s.service_code);
  await pair.pauseReplay();
  try {
    // A category sends no NOTIFY: only the cookie sends the read to the primary.
    const { code } = await createServiceCategory(db, { nameUk: 'Щойно додана категорія' });
    const without = await codes({});
    assert.equal(db.replicaStats!()[0]!.inRotation, true, 'the replica was still in rotation for the read without the cookie');
    // A failure names the replica's state: a fallback (lastError) or a change notification that
    // arrived meanwhile (reads then stay on the primary until the paused replica replays it).
    assert.ok(!without.includes(code), `without the cookie: the paused replica, which lacks the category; replica ${JSON.stringify(db.replicaStats!()[0])}`);
    assert.ok((await codes({ cookie: `${WROTE_COOKIE}=1` })).includes(code), 'with the cookie: the primary, which has it');
  } finally {
    await pair.resumeReplay();
  }
});

test('a POST sets the recent-writer cookie, and the ticket it made is found at once while the replica is paused', async () => {
  await pair.caughtUp();
  await until(() => db.replicaStats!()[0]!.inRotation, 'the replica is in rotation');
  await pair.pauseReplay();
  try {
    const form = new URLSearchParams({ api_key: apiKey, service_code: city.category, lat: '50.03', long: '36.36', description: 'Не світить ліхтар біля під’їзду' });
    const posted = await fetch(`${server.url}/open311/v2/requests.json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    assert.equal(posted.status, 200, await posted.clone().text());
    const cookie = posted.headers.getSetCookie().find((c) => c.startsWith(`${WROTE_COOKIE}=`));
    assert.ok(cookie, 'the answer to the POST sets the cookie');
    assert.match(cookie, /expires=/i, 'for a while only');
    const id = (await posted.json() as { service_request_id: string }[])[0]!.service_request_id;
    for (const headers of [{ cookie: `${WROTE_COOKIE}=1` }, {}] as Record<string, string>[]) {
      const ticket = await fetch(`${server.url}/open311/v2/requests/${id}.json`, { headers });
      assert.equal(ticket.status, 200, `GET with ${JSON.stringify(headers)}`);
    }
  } finally {
    await pair.resumeReplay();
  }
});

test('tiles are drawn on the standby: an address the paused standby lacks is missing from a new tile, and there for a recent writer', async () => {
  await pair.caughtUp();
  await until(() => db.replicaStats!()[0]!.inRotation, 'the replica is in rotation');
  const at = { lon: 36.3712, lat: 50.0417 };
  await pair.pauseReplay();
  try {
    // Triggers off: no NOTIFY, so nothing but the standby's lag keeps the address out of a tile.
    const { id } = await db.transaction(async (tx) => {
      await tx.sql("SELECT set_config('session_replication_role', 'replica', true)");
      return createAddress(tx, { lon: at.lon, lat: at.lat });
    });
    const idsIn = async (z: number, headers: Record<string, string> = {}) => {
      const t = tileOf(at.lon, at.lat, z);
      const res = await get(`${server.url}/tiles/addresses/${t.z}/${t.x}/${t.y}.mvt`, headers);
      assert.ok(res.status === 200 || res.status === 204, `z${z}: ${res.status}`);
      return res.status === 204 ? [] : (decodeTile(res.body).addresses ?? []).map((f) => f.properties.id);
    };
    assert.ok(!(await idsIn(16)).includes(id), 'the tile was drawn on the primary');
    assert.equal(db.replicaStats!()[0]!.inRotation, true, 'the replica was still in rotation for that tile');
    assert.ok((await idsIn(15, { cookie: `${WROTE_COOKIE}=1` })).includes(id), 'a recent writer\'s tile is drawn on the primary');
  } finally {
    await pair.resumeReplay();
  }
});
