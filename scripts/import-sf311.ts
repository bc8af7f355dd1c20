// npm run import:sf311 -- [file.csv] [--url URL] [--api-key KEY] [--limit N] [--offset N] [--concurrency N]: San Francisco 311 cases through a running Misto's Open311 POST.
//
// Every row goes through POST /open311/v2/requests.json like any client's request (validation,
// routing, deadlines, duplicate check, outage link); nothing is written to the database directly.
//   - URL: --url, else MISTO_URL, else http://localhost:8080. Key: --api-key, else MISTO_API_KEY,
//     else the first of OPEN311_API_KEYS.
//   - Categories: SF's category and complaint type are mapped onto ours by SF_CATEGORIES below;
//     a row whose category has no counterpart in a Ukrainian city's contact centre (transit
//     feedback, requests to the county clerk, …) is skipped and counted, not forced into one.
//   - Place: San Francisco lies about 10,000 km from Kharkiv, so each point is moved by one fixed
//     affine map: SF_BBOX (the city's land, which holds every located row of the sample) onto the
//     demo city's bbox (fixtures/demo-city.ts DEMO_BBOX), west→west and south→south, longitude and
//     latitude scaled separately, rounded to 6 decimals (~0.1 m). The same row always lands on the
//     same spot, and SF's clusters (the Mission, downtown) stay clusters.
//   - Skipped with a count: lat/lon 0,0 (SF's "no location"; 43% of the sample), missing or not
//     numeric, outside SF_BBOX; an unmapped category.
//   - Rejected: what the server refused, grouped by its Open311 error description.
//   - A row is sent with Idempotency-Key sf311-<unique_key>, so a second run adds no ticket: the
//     server replays its first answer, counted as "already imported".
//   - The original times are not carried over: Open311 POST has no field for them, so each ticket
//     is registered at the moment of the import.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEMO_BBOX } from '../fixtures/demo-city.js';
import type { Bbox } from '../fixtures/definitions.js';

export const SF311_FILE = path.resolve(import.meta.dirname, '../fixtures/sf311/sf311_sample10k.csv');

/** San Francisco's land, Treasure Island included: [west, south, east, north]. */
export const SF_BBOX: Bbox = [-122.515, 37.708, -122.356, 37.833];

/**
 * SF category (and, where it decides, complaint type) → our category code. Sewers are the water
 * utility's here (Vodokanal runs both); graffiti and litter on a building's grounds are the
 * housing office's yard work; trees and street defects are the roads department's. SF's general
 * requests ("General Request - PUBLIC WORKS", "… - MTA") say too little to be routed: skipped.
 */
export const SF_CATEGORIES: Record<string, string | Record<string, string>> = {
  'Sewer Issues': 'water_leak',
  '311 External Request': { Graffiti: 'yard_cleaning', Garbage: 'yard_cleaning', Trees: 'hazardous_tree' },
  'Street Defects': 'pothole',
};

export interface Sf311Row {
  unique_key: string;
  category: string;
  complaint_type: string;
  descriptor: string;
  media_url: string;
  latitude: string;
  longitude: string;
  [column: string]: string;
}

export interface ImportResult {
  read: number;
  /** New tickets the server registered. */
  created: number;
  /** Rows the server had registered in an earlier run (its Idempotency-Key answer came back). */
  replayed: number;
  skipped: Record<string, number>;
  rejected: Record<string, number>;
  /** The ids of the new tickets. */
  ticketIds: number[];
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. The first record names the columns. */
export function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { record.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      record.push(field);
      field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else field += c;
  }
  if (field !== '' || record.length > 0) { record.push(field); records.push(record); }
  const [header, ...rows] = records;
  if (!header) return [];
  return rows.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ''])));
}

export function mapCategory(row: Pick<Sf311Row, 'category' | 'complaint_type'>): string | undefined {
  const rule = SF_CATEGORIES[row.category];
  return typeof rule === 'string' ? rule : rule?.[row.complaint_type];
}

/** The affine map of SF_BBOX onto `target`; undefined for a point outside SF_BBOX. */
export function toDemoCity(lon: number, lat: number, target: Bbox = DEMO_BBOX): { lon: number; lat: number } | undefined {
  const [w, s, e, n] = SF_BBOX;
  if (lon < w || lon > e || lat < s || lat > n) return undefined;
  const [tw, ts, te, tn] = target;
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return { lon: round(tw + ((lon - w) / (e - w)) * (te - tw)), lat: round(ts + ((lat - s) / (n - s)) * (tn - ts)) };
}

type Planned = { kind: 'skip'; reason: string } | { kind: 'send'; body: URLSearchParams; key: string };

/** What to do with one row: skip it (and why), or the Open311 form to send. */
export function planRow(row: Sf311Row, apiKey: string): Planned {
  const latText = row.latitude.trim();
  const lonText = row.longitude.trim();
  if (latText === '' || lonText === '') return { kind: 'skip', reason: 'no coordinates (empty)' };
  const lat = Number(latText);
  const lon = Number(lonText);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return { kind: 'skip', reason: 'coordinates that are not numbers' };
  if (lat === 0 && lon === 0) return { kind: 'skip', reason: 'no coordinates (0,0)' };
  const place = toDemoCity(lon, lat);
  if (!place) return { kind: 'skip', reason: 'coordinates outside San Francisco' };
  const code = mapCategory(row);
  if (!code) return { kind: 'skip', reason: `no matching category: ${row.category}${typeof SF_CATEGORIES[row.category] === 'object' ? ` / ${row.complaint_type}` : ''}` };
  // What the reporter said; SF's status_notes tell how the case ended there, which is not ours to say.
  const what = [row.complaint_type, row.descriptor].filter((s) => s.trim() !== '').join(': ');
  const description = `SF311 #${row.unique_key} (${row.category})${what ? ` — ${what}` : ''}`;
  const body = new URLSearchParams({
    api_key: apiKey, service_code: code, lat: String(place.lat), long: String(place.lon),
    // Intake takes up to 4000 characters; SF's descriptors are far shorter, this only guards.
    description: [...description].slice(0, 4000).join(''),
  });
  if (row.media_url.trim() !== '') body.set('media_url', row.media_url.trim());
  return { kind: 'send', body, key: `sf311-${row.unique_key}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const add = (counts: Record<string, number>, reason: string) => { counts[reason] = (counts[reason] ?? 0) + 1; };

/** One POST, retried while the server says "later" (429, 503) or the connection fails, up to `attempts` times. */
async function send(url: string, body: URLSearchParams, key: string, attempts = 6): Promise<{ status: number; text: string; replayed: boolean }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const res = await fetch(`${url}/open311/v2/requests.json`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'Idempotency-Key': key }, body: body.toString(),
      });
      const text = await res.text();
      if ((res.status === 429 || res.status === 503) && attempt < attempts) {
        await sleep(Math.min(60, Number(res.headers.get('retry-after')) || 1) * 1000);
        continue;
      }
      return { status: res.status, text, replayed: res.headers.get('idempotent-replayed') === 'true' };
    } catch (err) {
      if (attempt >= attempts) return { status: 0, text: `the request failed: ${(err as Error).message}`, replayed: false };
      await sleep(250 * 2 ** attempt);
    }
  }
}

function rejection(status: number, text: string): string {
  try {
    const errors = JSON.parse(text) as { code: number; description: string }[];
    if (Array.isArray(errors) && errors.length > 0) return `${status} ${errors.map((e) => e.description).join('; ')}`;
  } catch { /* not the spec's error list: use the text */ }
  return `${status} ${text.slice(0, 200)}`;
}

export async function importSf311(opts: {
  rows: Sf311Row[];
  url: string;
  apiKey: string;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<ImportResult> {
  const result: ImportResult = { read: opts.rows.length, created: 0, replayed: 0, skipped: {}, rejected: {}, ticketIds: [] };
  const url = opts.url.replace(/\/+$/, '');
  const queue = opts.rows.map((row) => planRow(row, opts.apiKey));
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < queue.length) {
      const plan = queue[next++]!;
      if (plan.kind === 'skip') add(result.skipped, plan.reason);
      else {
        const answer = await send(url, plan.body, plan.key);
        if (answer.status === 200) {
          const [first] = JSON.parse(answer.text) as { service_request_id: string }[];
          if (answer.replayed) result.replayed += 1;
          else { result.created += 1; result.ticketIds.push(Number(first!.service_request_id)); }
        } else add(result.rejected, rejection(answer.status, answer.text));
      }
      done += 1;
      if (done % 500 === 0) opts.onProgress?.(done, queue.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  result.ticketIds.sort((a, b) => a - b);
  return result;
}

export function formatResult(file: string, url: string, r: ImportResult): string {
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const grouped = (counts: Record<string, number>) => Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, n]) => `    ${String(n).padStart(6)}  ${reason}`);
  return [
    `SF311 import of ${file} into ${url}`,
    `  rows read              ${String(r.read).padStart(6)}`,
    `  went in (new tickets)  ${String(r.created).padStart(6)}`,
    `  already imported       ${String(r.replayed).padStart(6)}`,
    `  skipped                ${String(total(r.skipped)).padStart(6)}`,
    ...grouped(r.skipped),
    `  rejected by the server ${String(total(r.rejected)).padStart(6)}`,
    ...grouped(r.rejected),
  ].join('\n');
}

interface Args { file: string; url: string; apiKey: string | undefined; limit: number | undefined; offset: number; concurrency: number }

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Args {
  const args: Args = {
    file: SF311_FILE, url: env.MISTO_URL || 'http://localhost:8080',
    apiKey: env.MISTO_API_KEY || (env.OPEN311_API_KEYS ?? '').split(',').map((k) => k.trim()).find(Boolean),
    limit: undefined, offset: 0, concurrency: 8,
  };
  const count = (name: string, v: string | undefined, min: number) => {
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < min) throw new Error(`${name} needs a whole number from ${min}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!;
    const value = () => argv[++i];
    if (a === '--url') args.url = value() ?? '';
    else if (a === '--api-key') args.apiKey = value();
    else if (a === '--limit') args.limit = count(a, value(), 0);
    else if (a === '--offset') args.offset = count(a, value(), 0);
    else if (a === '--concurrency') args.concurrency = count(a, value(), 1);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else args.file = path.resolve(a);
  }
  if (!/^https?:\/\//.test(args.url)) throw new Error(`--url must be an http(s) URL (got "${args.url}")`);
  return args;
}

export function readSf311(file: string, opts: { offset?: number; limit?: number } = {}): Sf311Row[] {
  const rows = parseCsv(readFileSync(file, 'utf8')) as Sf311Row[];
  const missing = ['unique_key', 'category', 'complaint_type', 'latitude', 'longitude'].filter((c) => rows[0] && !(c in rows[0]));
  if (missing.length > 0) throw new Error(`${file} is not a DataSF 311 export: no column ${missing.join(', ')}`);
  const from = opts.offset ?? 0;
  return rows.slice(from, opts.limit === undefined ? undefined : from + opts.limit);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.apiKey) throw new Error('no api_key: give --api-key, or set MISTO_API_KEY or OPEN311_API_KEYS');
  const rows = readSf311(args.file, { offset: args.offset, ...(args.limit === undefined ? {} : { limit: args.limit }) });
  const result = await importSf311({
    rows, url: args.url, apiKey: args.apiKey, concurrency: args.concurrency,
    onProgress: (done, total) => console.error(`  … ${done} of ${total} rows`),
  });
  console.log(formatResult(path.relative(process.cwd(), args.file), args.url, result));
  if (Object.keys(result.rejected).some((reason) => /^(0|5\d\d) /.test(reason))) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(`import-sf311: ${(err as Error).message}`);
    process.exit(1);
  });
}
