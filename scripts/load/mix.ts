// The kinds of traffic a load run drives (autocannon request builders over the fixtures), one autocannon per kind, and their figures.
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import type { Fixtures } from './setup.js';

export type KindName = 'tiles' | 'ticket reads' | 'intake' | 'address cards' | 'outage edits';

export interface Kind {
  name: KindName;
  connections: number;
  /** Requests per second over all its connections; undefined: as fast as answers come (closed loop). */
  rate?: number;
}

export interface KindFigures {
  name: KindName;
  requests: number;
  /** How long the kind actually ran (autocannon's own measure), in seconds. */
  seconds: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** Connection errors and timeouts (no answer at all). */
  errors: number;
  timeouts: number;
  /** Of the 503 answers: how many carried Retry-After, and their latency percentiles (ms). */
  refused: { count: number; withRetryAfter: number; p50: number; p99: number; max: number };
  /** How many answers were 2xx, and their latency percentiles (ms). */
  okCount: number;
  ok: { p50: number; p99: number };
}

let serial = 0;
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
/** Leans to the head of the list: many maps open on the same few views (the city, a district in the news). */
const pickPopular = <T>(list: readonly T[]): T => list[Math.floor(Math.random() ** 2 * list.length)]!;

/** The requests of one kind; each setupRequest draws a fresh target. */
function requestsFor(kind: KindName, f: Fixtures, run: string): autocannon.Request[] {
  const staff = { cookie: f.operator.cookie, 'x-csrf-token': f.operator.csrfToken };
  switch (kind) {
    case 'tiles':
      return [{ method: 'GET', setupRequest: (req) => ({ ...req, path: pickPopular(f.tiles), headers: { 'accept-encoding': 'gzip' } }) }];
    case 'ticket reads':
      // A citizen tracking one ticket, or a map listing the open ones around a point.
      return [{
        method: 'GET',
        setupRequest: (req) => ({
          ...req,
          path: Math.random() < 0.6 ? `/open311/v2/requests/${pick(f.ticketIds)}.json` : `/open311/v2/requests.json?status=open&bbox=${pick(f.boxes)}`,
        }),
      }];
    case 'intake':
      return [{
        method: 'POST',
        setupRequest: (req) => {
          const n = serial++;
          const [lon, lat] = pick(f.points);
          const form = new URLSearchParams({
            api_key: f.apiKey,
            service_code: pick(f.serviceCodes),
            lat: (lat + (Math.random() - 0.5) * 0.0004).toFixed(6),
            long: (lon + (Math.random() - 0.5) * 0.0006).toFixed(6),
            description: `Навантаження ${run} №${n}: не світить ліхтар біля під'їзду`,
            email: `load.${n}@example.org`,
          });
          return {
            ...req,
            path: '/open311/v2/requests.json',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': `${run}-${n}` },
            body: form.toString(),
          };
        },
      }];
    case 'address cards':
      return [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/addresses/${pick(f.addressIds)}/card`, headers: staff }) }];
    case 'outage edits':
      // Read the outage (its version), then change its public text. Two connections on one outage
      // get 409 now and then, as two operators would: the version check at work.
      return [
        {
          method: 'GET',
          setupRequest: (req, ctx) => {
            ctx.outage ??= f.outageIds[serial++ % f.outageIds.length];
            return { ...req, path: `/api/outages/${String(ctx.outage)}`, headers: staff };
          },
          onResponse: (status, body, ctx) => { if (status === 200) ctx.version = (JSON.parse(body) as { version: number }).version; },
        },
        {
          method: 'PATCH',
          // When the read was refused there is no version to send: read again instead.
          setupRequest: (req, ctx) => (ctx.version === undefined
            ? { ...req, method: 'GET', path: `/api/outages/${String(ctx.outage)}`, headers: staff }
            : {
              ...req,
              path: `/api/outages/${String(ctx.outage)}`,
              headers: { ...staff, 'content-type': 'application/json' },
              body: JSON.stringify({ version: ctx.version, public_text: `Уточнення ${run}-${serial++}: роботи тривають, вода буде до вечора.` }),
            }),
        },
      ];
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Runs every kind at once against baseUrl for `seconds`; resolves with each kind's figures. */
export async function runKinds(baseUrl: string, f: Fixtures, kinds: Kind[], seconds: number): Promise<KindFigures[]> {
  const run = randomBytes(3).toString('hex');
  return Promise.all(kinds.map(async (kind) => {
    if (kind.name === 'outage edits' && f.outageIds.length === 0) throw new Error('the city has no outage to edit');
    const refusedMs: number[] = [];
    const okMs: number[] = [];
    let withRetryAfter = 0;
    const requests = requestsFor(kind.name, f, run).map((r) => ({
      ...r,
      onResponse: (status: number, body: string, ctx: autocannon.Context, headers: Record<string, string>) => {
        if (status === 503 && Object.keys(headers).some((h) => h.toLowerCase() === 'retry-after')) withRetryAfter++;
        r.onResponse?.(status, body, ctx, headers);
      },
    }));
    const instance = autocannon({
      url: baseUrl,
      title: kind.name,
      connections: kind.connections,
      duration: seconds,
      timeout: 30,
      requests,
      ...(kind.rate ? { overallRate: kind.rate } : {}),
    });
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status === 503) refusedMs.push(ms);
      else if (status >= 200 && status < 300) okMs.push(ms);
    });
    const r = await instance;
    refusedMs.sort((a, b) => a - b);
    okMs.sort((a, b) => a - b);
    const statuses = Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count]));
    const answered = Object.values(statuses).reduce((a, b) => a + b, 0);
    return {
      name: kind.name,
      requests: answered,
      seconds: r.duration,
      perSecond: answered / r.duration,
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      statuses,
      errors: r.errors - r.timeouts,
      timeouts: r.timeouts,
      refused: { count: refusedMs.length, withRetryAfter, p50: percentile(refusedMs, 0.5), p99: percentile(refusedMs, 0.99), max: refusedMs.at(-1) ?? 0 },
      okCount: okMs.length,
      ok: { p50: percentile(okMs, 0.5), p99: percentile(okMs, 0.99) },
    };
  }));
}

/** One line per kind: throughput, latency percentiles, statuses and errors. */
export function formatFigures(figures: KindFigures[]): string {
  const head = `  ${'kind'.padEnd(14)} ${'req'.padStart(7)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p90 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)}  statuses · errors`;
  const lines = figures.map((k) => {
    const statuses = Object.entries(k.statuses).sort().map(([c, n]) => `${c}×${n}`).join(' ');
    const errors = k.errors + k.timeouts > 0 ? ` · ${k.errors} connection errors, ${k.timeouts} timeouts` : ' · no errors';
    return `  ${k.name.padEnd(14)} ${String(k.requests).padStart(7)} ${k.perSecond.toFixed(1).padStart(7)} ${String(k.p50).padStart(7)} ${String(k.p90).padStart(7)} ${String(k.p99).padStart(7)} ${String(k.max).padStart(7)}  ${statuses}${errors}`;
  });
  return [head, ...lines].join('\n');
}
