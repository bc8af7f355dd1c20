// The SF311 import: rows through a test server's Open311 POST, with skips, rejections and re-runs counted, checked against the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { testDb } from '../server/testing/db.js';
import { startTestServer, type TestServer } from '../server/testing/server.js';
import { configWith } from '../server/testing/factories/tickets.js';
import { setActor } from '../server/db/actor.js';
import { loadReferenceData } from '../fixtures/city.js';
import { DEMO_BBOX, demoLayout } from '../fixtures/demo-city.js';
import type { Db } from '../server/db/db.js';
import { SF311_FILE, importSf311, parseArgs, parseCsv, readSf311, toDemoCity, formatResult, type Sf311Row } from './import-sf311.js';

let db: Db;
let server: TestServer;
const work = mkdtempSync(path.join(tmpdir(), 'misto-sf311-'));

before(async () => {
  db = await testDb();
  await db.transaction(async (tx) => {
    await setActor(tx, 'fixture:test');
    await loadReferenceData(tx, demoLayout());
  });
  server = await startTestServer(db, { config: configWith() });
});
after(async () => {
  await server.close();
  await db.close();
  rmSync(work, { recursive: true, force: true });
});

const HEADER = 'unique_key,created_date,closed_date,resolution_action_updated_date,status,status_notes,agency_name,category,complaint_type,descriptor,incident_address,supervisor_district,neighborhood,location,source,media_url,latitude,longitude,police_district';
const line = (key: string, category: string, type: string, descriptor: string, media: string, lat: string, lon: string) =>
  `${key},2016-07-13 15:11:07+00:00,,,Open,,Agency,${category},${type},${descriptor},Somewhere,,,,Web,${media},${lat},${lon},`;

/** Eight rows, one per case the importer must tell apart. */
const HANDMADE = [
  HEADER,
  line('900001', 'Sewer Issues', 'Flooding', 'Flooding (Street)', '', '37.7749', '-122.4194'),
  line('900002', '311 External Request', 'Graffiti', 'Graffiti on building', 'http://mobile311.sfgov.org/media/photo.jpg', '37.80', '-122.41'),
  line('900003', 'Sewer Issues', 'Odor', 'Odor', '', '0.0', '0.0'),
  line('900004', 'Sewer Issues', 'Odor', 'Odor', '', '', ''),
  line('900005', 'Noise Report', 'traffic', 'Loud', '', '37.77', '-122.42'),
  line('900006', 'Sewer Issues', 'Flooding', 'Flooding', '', '40.7128', '-74.0060'),
  line('900007', 'Street Defects', 'other', 'Hole', 'ftp://photos.example/hole.jpg', '37.76', '-122.43'),
  // A quoted descriptor with a comma, a doubled quote and a line break.
  line('900008', 'Street Defects', 'other', '"Pothole, ""deep""\nnear the bus stop"', '', '37.75', '-122.44'),
].join('\n');

async function importedTickets(): Promise<{ id: number; category_code: string; description: string; source: string; lon: number; lat: number; media_url: string | null }[]> {
  return db.sql(`SELECT id, category_code, description, source, ST_X(location) AS lon, ST_Y(location) AS lat, media_url
                 FROM tickets WHERE description LIKE 'SF311 #%' ORDER BY id`);
}

test('each kind of row is told apart: sent and registered, skipped with its reason, rejected with the server\'s', async () => {
  const file = path.join(work, 'handmade.csv');
  writeFileSync(file, HANDMADE);
  const rows = readSf311(file);
  assert.equal(rows.length, 8);
  const result = await importSf311({ rows, url: server.url, apiKey: 'test-key', concurrency: 3 });
  assert.deepEqual({ ...result, ticketIds: result.ticketIds.length }, {
    read: 8, created: 3, replayed: 0, ticketIds: 3,
    skipped: {
      'no coordinates (0,0)': 1, 'no coordinates (empty)': 1, 'no matching category: Noise Report': 1, 'coordinates outside San Francisco': 1,
    },
    rejected: { '400 media_url: must be an http or https URL': 1 },
  });

  assert.deepEqual((await importedTickets()).map((t) => t.id), result.ticketIds);
  // In the order of their rows (three go in at once, so their numbers need not follow the file).
  const tickets = (await importedTickets()).sort((a, b) => a.description.localeCompare(b.description));
  assert.deepEqual(tickets.map((t) => [t.category_code, t.source]), [['water_leak', 'open311'], ['yard_cleaning', 'open311'], ['pothole', 'open311']]);
  assert.equal(tickets[0]!.description, 'SF311 #900001 (Sewer Issues) — Flooding: Flooding (Street)');
  assert.equal(tickets[1]!.media_url, 'http://mobile311.sfgov.org/media/photo.jpg');
  assert.equal(tickets[2]!.description, 'SF311 #900008 (Street Defects) — other: Pothole, "deep"\nnear the bus stop');
  // City Hall's corner of San Francisco lands where the affine map puts it, inside the demo city.
  assert.deepEqual([tickets[0]!.lon, tickets[0]!.lat], [toDemoCity(-122.4194, 37.7749)!.lon, toDemoCity(-122.4194, 37.7749)!.lat]);
  const [w, s, e, n] = DEMO_BBOX;
  for (const t of tickets) assert.ok(t.lon >= w && t.lon <= e && t.lat >= s && t.lat <= n, `ticket ${t.id} at ${t.lon},${t.lat}`);

  const again = await importSf311({ rows, url: server.url, apiKey: 'test-key' });
  assert.deepEqual([again.created, again.replayed], [0, 3], 'a second run adds nothing: the server replays its answers');
  assert.equal((await importedTickets()).length, 3);
});

test('a slice of the real SF311 sample goes in with every row accounted for, and the database holds exactly what went in', async () => {
  const before = (await importedTickets()).length;
  const rows = readSf311(SF311_FILE, { offset: 3500, limit: 400 });
  assert.equal(rows.length, 400);
  const result = await importSf311({ rows, url: server.url, apiKey: 'test-key', concurrency: 4 });
  const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  assert.equal(result.created + result.replayed + sum(result.skipped) + sum(result.rejected), 400);
  // This slice holds mapped, unmapped and unlocated rows alike.
  assert.ok(result.created > 100 && Object.keys(result.skipped).length >= 3, formatResult('slice', server.url, result));
  assert.deepEqual(result.rejected, {});
  const zero = rows.filter((r) => Number(r.latitude) === 0 && Number(r.longitude) === 0).length;
  assert.equal(result.skipped['no coordinates (0,0)'] ?? 0, zero);

  const tickets = (await importedTickets()).slice(before);
  assert.deepEqual(tickets.map((t) => t.id), result.ticketIds);
  const byKey = new Map(rows.map((r) => [r.unique_key, r]));
  for (const t of tickets) {
    const row = byKey.get(/^SF311 #(\d+)/.exec(t.description)![1]!) as Sf311Row;
    assert.ok(row, `ticket ${t.id} comes from a row of the slice`);
    const expected = toDemoCity(Number(row.longitude), Number(row.latitude))!;
    assert.deepEqual([t.lon, t.lat], [expected.lon, expected.lat]);
  }
  const [routed] = await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM tickets t JOIN organisations o ON o.id = t.executor_id
    WHERE t.description LIKE 'SF311 #%' AND t.routed_by = 'service_area' AND o.code <> 'contact-centre'`);
  assert.equal(routed!.n, before + result.created, 'every imported ticket was routed to a service area\'s executor');
});

test('npm run import:sf311 prints what went in and why the rest did not, and takes its options from arguments', async () => {
  const before = (await importedTickets()).length;
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import', 'tsx', path.join(import.meta.dirname, 'import-sf311.ts'), '--url', server.url, '--api-key', 'test-key', '--offset', '9050', '--limit', '120',
  ], { cwd: path.resolve(import.meta.dirname, '..'), env: { ...process.env, MISTO_URL: '', MISTO_API_KEY: '' } });
  const created = Number(/went in \(new tickets\)\s+(\d+)/.exec(stdout)?.[1]);
  assert.equal((await importedTickets()).length - before, created, stdout);
  assert.match(stdout, /rows read\s+120\n/);
  assert.match(stdout, /skipped\s+\d+\n(\s+\d+ {2}\S.*\n)+/);
  assert.match(stdout, /rejected by the server +0\n$/);
});

test('the CSV reader keeps quoted commas, quotes and line breaks, and the arguments are checked', () => {
  assert.deepEqual(parseCsv('a,b\r\n"x, ""y""\nz",2\n\n'), [{ a: 'x, "y"\nz', b: '2' }]);
  assert.deepEqual(parseArgs(['f.csv', '--limit', '10', '--url', 'http://h:1'], {}), {
    file: path.resolve('f.csv'), url: 'http://h:1', apiKey: undefined, limit: 10, offset: 0, concurrency: 8,
  });
  assert.equal(parseArgs([], { OPEN311_API_KEYS: ' k1 ,k2' }).apiKey, 'k1');
  assert.throws(() => parseArgs(['--limit', 'many']), /--limit needs a whole number/);
  assert.throws(() => parseArgs(['--url', 'localhost:8080']), /--url must be an http/);
  assert.throws(() => parseArgs(['--fast']), /unknown option --fast/);
});
