// Benchmark part: attaching an outage zone over ~10,000 of 100,000 addresses, and the operator's address card with 1 M tickets, each next to the bare spatial join it is built on.
//   npx tsx bench/outages.ts     alone (= npm run bench -- outages): a throwaway PostGIS cluster and the benchmark city from fixtures/generate-city.ts
//   benchOutages(ctx)            from bench/run.ts, on the city it built
// It leaves behind what an operator's work would: its outages (cancelled, their notices withdrawn) and a staff user.
import { pathToFileURL } from 'node:url';
import type { BenchFigure, BenchPart } from './context.js';
import type { Db } from '../server/db/db.js';
import { percentile, median, time, startBenchServer, runAlone, backendCpuMs } from './support.js';
import { createUser } from '../server/testing/factories/auth.js';
import { createOutage, cancelOutage } from '../server/outages/outages.js';

const PART = 'outages';
/** How many times the zone is saved and attached; the median counts. */
const SAVES = 5;
const CARDS = 300;
const CARD_RADIUS_M = 150;
const SEARCHES = 300;

// The spatial core of the save: which addresses the zone covers.
const BARE_ZONE = 'SELECT count(*)::int AS n FROM addresses a WHERE ST_Intersects(ST_SetSRID(ST_GeomFromGeoJSON($geojson::text), 4326), a.point)';

// The same join written straight into the table, as a hand-written bulk insert would: the floor for attaching.
const BARE_INSERT = `
  INSERT INTO telephonograms (outage_id, address_id, text, attached_at)
  SELECT $outageId::bigint, a.id, 'Бенчмарк', now() FROM addresses a
  WHERE ST_Intersects(ST_SetSRID(ST_GeomFromGeoJSON($geojson::text), 4326), a.point)`;

/** Thrown to roll a measuring transaction back. */
class RollBack extends Error {}

// The spatial core of the card: open tickets and objects within the radius of the address, on the same indexes, counted.
const BARE_CARD = `
  SELECT (SELECT count(*) FROM tickets t
          WHERE ST_DWithin(t.location::geography, a.g, $radiusM::float8) AND t.status NOT IN ('closed', 'rejected', 'duplicate'))::int AS tickets,
         (SELECT count(*) FROM objects o WHERE ST_DWithin(o.geom::geography, a.g, $radiusM::float8))::int AS objects
  FROM (SELECT point::geography AS g FROM addresses WHERE id = $id::int) a`;

/** A square around the middle of the addresses, grown or shrunk until it covers about `wanted` of them. */
async function zoneCovering(db: Db, wanted: number): Promise<{ geojson: string; covered: number }> {
  const [c] = await db.sql<{ lon: number; lat: number; w: number; h: number }>(
    'SELECT ST_X(m) AS lon, ST_Y(m) AS lat, w, h FROM (SELECT ST_Centroid(ST_Collect(point)) AS m, ST_XMax(ST_Extent(point)) - ST_XMin(ST_Extent(point)) AS w, ST_YMax(ST_Extent(point)) - ST_YMin(ST_Extent(point)) AS h FROM addresses) x');
  const { lon, lat } = c!;
  let half = Math.sqrt(c!.w * c!.h * 0.1) / 2;
  let geojson = '';
  let covered = 0;
  for (let i = 0; i < 12; i++) {
    // Degrees of longitude are shorter than of latitude here: keep the square square on the ground.
    const dx = half / Math.cos((lat * Math.PI) / 180);
    geojson = JSON.stringify({ type: 'Polygon', coordinates: [[[lon - dx, lat - half], [lon + dx, lat - half], [lon + dx, lat + half], [lon - dx, lat + half], [lon - dx, lat - half]]] });
    covered = (await db.sql<{ n: number }>(BARE_ZONE, { geojson }))[0]!.n;
    if (Math.abs(covered - wanted) <= wanted * 0.03) break;
    half *= Math.sqrt(wanted / Math.max(covered, 1));
  }
  return { geojson, covered };
}

export const benchOutages: BenchPart = async ({ db, databaseUrl, log }) => {
  const [counts] = await db.sql<{ addresses: number; tickets: number; objects: number }>(
    'SELECT (SELECT count(*)::int FROM addresses) AS addresses, (SELECT count(*)::int FROM tickets) AS tickets, (SELECT count(*)::int FROM objects) AS objects');
  const { addresses, tickets, objects } = counts!;
  if (addresses === 0) throw new Error('bench/outages: the city has no addresses (bench/run.ts generates it first)');
  log(`${PART}: city of ${addresses} addresses, ${tickets} tickets, ${objects} objects`);
  const figures: BenchFigure[] = [];

  // ---- a zone over a tenth of the addresses: the whole save, and its one attaching statement ----
  const [executor] = await db.sql<{ id: number }>("SELECT id FROM organisations WHERE is_executor ORDER BY code = 'water' DESC, id LIMIT 1");
  if (!executor) throw new Error('bench/outages: the city has no executor organisation');
  const operator = await createUser(db, { role: 'operator', displayName: 'Оператор (бенчмарк)' });
  const { geojson, covered } = await zoneCovering(db, Math.round(addresses / 10));
  await db.sql(BARE_ZONE, { geojson });
  const bare: number[] = [];
  const saves: number[] = [];
  const attaches: number[] = [];
  const bareInserts: number[] = [];
  for (let i = 0; i < SAVES; i++) {
    bare.push((await time(() => db.sql(BARE_ZONE, { geojson })))[0]);
    // What POST /api/outages does: lock, checks, the zone built and counted, insert, attach, re-read — one transaction.
    const now = new Date();
    const [save, result] = await time(() => createOutage(db, {
      utility: 'water', kind: 'emergency', executorId: executor.id, startsAt: new Date(now.getTime() - 60_000), endsAt: null,
      publicText: `Бенчмарк: аварія на водогоні (${i + 1})`, zone: { source: 'polygon', geojson },
    }, operator, now));
    saves.push(save);
    if (result.telephonograms.attached !== covered) throw new Error(`bench/outages: attached ${result.telephonograms.attached}, the bare join counts ${covered}`);
    // The attaching statement alone, on the same outage: its notices withdrawn, then attached again.
    await db.query('outages/withdraw_telephonograms', { outageId: result.outage.id, now, reason: 'zone_changed', outsideZoneOnly: false });
    await db.transaction(async (tx) => {
      bareInserts.push((await time(() => tx.sql(BARE_INSERT, { outageId: result.outage.id, geojson })))[0]);
      throw new RollBack();
    }).catch((err: unknown) => { if (!(err instanceof RollBack)) throw err; });
    attaches.push((await time(() => db.query('outages/attach_telephonograms', { outageId: result.outage.id, now: new Date() })))[0]);
    await cancelOutage(db, result.outage.id, { version: null, note: 'Бенчмарк завершено' }, operator, new Date());
  }
  const zoneName = `a zone over ${covered} of ${addresses} addresses`;
  const baseline = { name: 'bare ST_Intersects join of the zone (count)', value: median(bare) };
  figures.push({
    part: PART, name: `telephonograms: attach ${zoneName} (median of ${SAVES}, ratio = ÷ bare join)`, value: median(attaches), unit: 'ms',
    baseline, ratio: median(attaches) / baseline.value, target: '≤ 300 ms', met: median(attaches) <= 300,
  });
  figures.push({
    part: PART, name: `telephonograms: attach ${zoneName} (median; ratio = ÷ bare INSERT … SELECT of the same join)`, value: median(attaches), unit: 'ms',
    baseline: { name: 'bare INSERT INTO telephonograms … SELECT of the same join (rolled back)', value: median(bareInserts) },
    ratio: median(attaches) / median(bareInserts), target: '≤ 300 ms', met: median(attaches) <= 300,
  });
  figures.push({
    part: PART, name: `outage save with ${zoneName}: build, insert, attach (median, ratio = ÷ bare join)`, value: median(saves), unit: 'ms',
    baseline, ratio: median(saves) / baseline.value, target: '≤ 300 ms', met: median(saves) <= 300,
  });
  log(`${PART}: ${zoneName}: bare join ${baseline.value.toFixed(1)} ms, bare insert ${median(bareInserts).toFixed(1)} ms, attach ${median(attaches).toFixed(1)} ms, whole save ${median(saves).toFixed(1)} ms`);

  // ---- the address card: over HTTP as the operator opens it, as its one statement, and its bare spatial core ----
  const ids = (await db.sql<{ id: number }>('SELECT id FROM addresses ORDER BY md5(id::text) LIMIT $n', { n: CARDS + 30 })).map((r) => r.id);
  const server = await startBenchServer(db, 'operator');
  try {
    const http = async (id: number) => {
      const res = await fetch(`${server.base}/api/addresses/${id}/card?radius_m=${CARD_RADIUS_M}`, { headers: { cookie: server.cookie } });
      if (res.status !== 200) throw new Error(`GET /api/addresses/${id}/card answered ${res.status}: ${await res.text()}`);
      return res.json() as Promise<{ open_tickets: unknown[]; objects: unknown[] }>;
    };
    const statement = (id: number) => db.query('addresses/card', { id, radiusM: CARD_RADIUS_M, now: new Date(), ticketLimit: 50, closedLimit: 10, objectLimit: 50 });
    const bareCard = (id: number) => db.sql(BARE_CARD, { id, radiusM: CARD_RADIUS_M });
    for (const id of ids.slice(0, 30)) {
      await http(id);
      await statement(id);
      await bareCard(id);
    }
    const httpTimes: number[] = [];
    const statementTimes: number[] = [];
    const bareTimes: number[] = [];
    let shown = 0;
    for (const id of ids.slice(30)) {
      const [t, card] = await time(() => http(id));
      httpTimes.push(t);
      shown += card.open_tickets.length + card.objects.length;
      statementTimes.push((await time(() => statement(id)))[0]);
      bareTimes.push((await time(() => bareCard(id)))[0]);
    }
    for (const xs of [httpTimes, statementTimes, bareTimes]) xs.sort((a, b) => a - b);
    const p95 = (xs: number[]) => percentile(xs, 0.95);
    const cardBaseline = { name: `bare ST_DWithin joins (open tickets, objects within ${CARD_RADIUS_M} m) p95`, value: p95(bareTimes) };
    figures.push({
      part: PART, name: `address card GET /api/addresses/{id}/card p95 (${CARDS} addresses, ${tickets} tickets; ratio = ÷ bare)`, value: p95(httpTimes), unit: 'ms',
      baseline: cardBaseline, ratio: p95(httpTimes) / cardBaseline.value, target: '≤ 25 ms', met: p95(httpTimes) <= 25,
    });
    figures.push({
      part: PART, name: 'address card, the one statement alone, p95 (ratio = ÷ bare)', value: p95(statementTimes), unit: 'ms',
      baseline: cardBaseline, ratio: p95(statementTimes) / cardBaseline.value, target: '—',
    });
    log(`${PART}: card p50/p95: HTTP ${percentile(httpTimes, 0.5).toFixed(2)}/${p95(httpTimes).toFixed(2)} ms, statement ${percentile(statementTimes, 0.5).toFixed(2)}/${p95(statementTimes).toFixed(2)} ms, bare ${percentile(bareTimes, 0.5).toFixed(2)}/${p95(bareTimes).toFixed(2)} ms; ${(shown / CARDS).toFixed(1)} tickets and objects per card`);
  } finally {
    await server.close();
  }
  // The same two statements by the database's CPU per call: on a machine whose cores are shared, wall times
  // include waiting for a core; this does not.
  const cardCpu = await backendCpuMs(databaseUrl, ids, (q, id) => q.query('addresses/card', { id, radiusM: CARD_RADIUS_M, now: new Date(), ticketLimit: 50, closedLimit: 10, objectLimit: 50 }));
  const bareCardCpu = await backendCpuMs(databaseUrl, ids, (q, id) => q.sql(BARE_CARD, { id, radiusM: CARD_RADIUS_M }));
  if (cardCpu !== undefined && bareCardCpu !== undefined) {
    figures.push({
      part: PART, name: 'address card statement: database CPU per card, planning included (ratio = ÷ bare)', value: cardCpu, unit: 'ms',
      baseline: { name: 'bare ST_DWithin joins, database CPU', value: bareCardCpu }, ratio: cardCpu / bareCardCpu, target: '—',
    });
  }

  // ---- address search, typed the ways people type (abbreviated type first, upper case, number first), each naming the street type ----
  const picked = await db.sql<{ id: number; street: string; house: string }>(
    'SELECT a.id, s.name AS street, a.house_number AS house FROM addresses a JOIN streets s ON s.id = a.street_id ORDER BY md5(a.id::text || \'search\') LIMIT $n', { n: SEARCHES });
  const ABBREVIATIONS: Record<string, string> = { вулиця: 'вул.', провулок: 'пров.', проспект: 'просп.', бульвар: 'бул.', узвіз: 'узвіз', "в'їзд": "в'їзд" };
  const typed = picked.map((p, i) => {
    const [person, kind, ...rest] = p.street.split(' ');
    const name = [person, ...rest].join(' ');
    if (i % 3 === 0) return `${ABBREVIATIONS[kind!] ?? kind} ${name}, ${p.house}`;
    if (i % 3 === 1) return `${name} ${kind} ${p.house}`.toUpperCase();
    return `${p.house} ${name.toLowerCase()} ${kind}`;
  });
  const bareSearch = 'SELECT count(*)::int FROM addresses WHERE search_key % misto_search_key($q)';
  const searchTimes: number[] = [];
  const bareSearchTimes: number[] = [];
  let firstRight = 0;
  for (const [i, q] of typed.entries()) {
    const [t, hits] = await time(() => db.query<{ id: number }>('addresses/search', { q, limit: 10 }));
    searchTimes.push(t);
    if (hits[0]?.id === picked[i]!.id) firstRight++;
    bareSearchTimes.push((await time(() => db.sql(bareSearch, { q })))[0]);
  }
  searchTimes.sort((a, b) => a - b);
  bareSearchTimes.sort((a, b) => a - b);
  const searchBaseline = { name: 'bare trigram % count p95', value: percentile(bareSearchTimes, 0.95) };
  figures.push({
    part: PART, name: `address search p95 (${SEARCHES} typed queries, ${Math.round((100 * firstRight) / SEARCHES)}% right first; ratio = ÷ bare)`,
    value: percentile(searchTimes, 0.95), unit: 'ms', baseline: searchBaseline, ratio: percentile(searchTimes, 0.95) / searchBaseline.value, target: '—',
  });
  return figures;
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runAlone('outages');
