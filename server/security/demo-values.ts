// Real values from a database holding the demo city (ids, tokens, codes, tile addresses) and valid path parameters and query strings built from them, for tests that walk every route.
import type { Db } from '../db/db.js';
import { createApiKey } from '../testing/factories/tickets.js';
import { LAYERS } from '../../tiles/layers.js';
import { routeKey, type RouteInfo } from './routes.js';

export interface DemoValues {
  tickets: string[]; tokens: string[]; outages: string[]; objects: string[]; claims: string[]; ownerless: string[]; telephonograms: string[];
  addresses: string[]; streets: number[]; organisations: number[]; categories: string[]; kinds: string[]; apiKeys: string[]; linkedTickets: string[];
  /** Tiles over the middle of the demo city at z10, 12, 14 and 16. */
  tiles: { z: string; x: string; file: string }[];
}

export async function collectDemoValues(db: Db): Promise<DemoValues> {
  const v = { tiles: [] } as unknown as DemoValues;
  const ids = async (sql: string) => (await db.sql<{ v: string }>(sql)).map((r) => String(r.v));
  v.tickets = await ids('SELECT id AS v FROM tickets ORDER BY id LIMIT 30');
  v.tokens = await ids('SELECT token::text AS v FROM tickets ORDER BY id LIMIT 10');
  v.outages = await ids('SELECT id AS v FROM outages ORDER BY id');
  v.objects = await ids('SELECT id AS v FROM objects ORDER BY id LIMIT 20');
  v.claims = await ids('SELECT id AS v FROM ownership_claims ORDER BY id LIMIT 10');
  v.ownerless = await ids('SELECT id AS v FROM ownerless_records ORDER BY id LIMIT 10');
  v.telephonograms = await ids('SELECT id AS v FROM telephonograms ORDER BY id LIMIT 10');
  v.addresses = await ids('SELECT id AS v FROM addresses ORDER BY id LIMIT 20');
  v.linkedTickets = await ids('SELECT id AS v FROM tickets WHERE outage_id IS NOT NULL ORDER BY id LIMIT 10');
  v.streets = (await ids('SELECT id AS v FROM streets ORDER BY id LIMIT 5')).map(Number);
  v.organisations = (await ids('SELECT id AS v FROM organisations ORDER BY id')).map(Number);
  v.categories = await ids('SELECT code AS v FROM categories ORDER BY code');
  v.kinds = await ids('SELECT DISTINCT kind AS v FROM objects ORDER BY kind');
  v.apiKeys = [String((await createApiKey(db)).id)];
  for (let z = 10; z <= 16; z += 2) {
    const x = Math.floor(((36.358 + 180) / 360) * 2 ** z);
    const rad = (50.035 * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * 2 ** z);
    v.tiles.push({ z: String(z), x: String(x), file: `${y}.mvt` });
  }
  return v;
}

/** Valid values for a path parameter, by the route it is in. */
export function demoParam(S: DemoValues, path: string, name: string): string[] {
  const tile = S.tiles[S.tiles.length - 1]!;
  switch (name) {
    case 'format': return ['json', 'xml'];
    case 'token': return S.tokens;
    case 'code': return S.categories;
    case 'ticketId': return S.linkedTickets;
    case 'source': return [...LAYERS.map((l) => l.id), LAYERS.map((l) => l.id).join(',')];
    case 'z': return S.tiles.map((t) => t.z);
    case 'x': return S.tiles.map((t) => t.x);
    case 'file': return path.startsWith('/tiles/:source') ? S.tiles.map((t) => t.file) : [...LAYERS.map((l) => `${l.id}.json`), `${tile.z}.json`];
    case 'id':
      if (path.includes('/outages/')) return S.outages;
      if (path.includes('/objects/')) return S.objects;
      if (path.includes('/claims/')) return S.claims;
      if (path.includes('/ownerless/')) return S.ownerless;
      if (path.includes('/telephonograms/')) return S.telephonograms;
      if (path.includes('/addresses/')) return S.addresses;
      if (path.includes('/api-keys/')) return S.apiKeys;
      return S.tickets;
    default: return ['1'];
  }
}

/** Valid query strings for the routes that read one; a route not listed here gets an empty query. */
export function demoQueries(S: DemoValues, r: RouteInfo): Record<string, string>[] {
  const at = { lon: '36.358', lat: '50.035' };
  const category = S.categories[0]!;
  const seeds: Record<string, Record<string, string>[]> = {
    'GET /api/addresses': [{ q: 'Гвардійців 1' }, { ...at, limit: '5' }],
    'GET /api/addresses/:id/card': [{ radius_m: '100' }],
    'GET /api/affected': [at],
    'GET /api/dashboard': [{ from: '2026-11-01', to: '2026-11-23' }],
    'GET /api/reports/daily': [{ date: '2026-11-22', format: 'csv', lang: 'en' }, { date: '2026-11-22' }],
    'GET /api/duplicates': [{ ...at, category }],
    'GET /api/routing': [{ ...at, category, object_id: S.objects[0]! }],
    'GET /api/live': [{ bbox: '36.3,50.0,36.4,50.1' }],
    'GET /api/objects/near': [{ ...at, radius: '50', kinds: S.kinds.slice(0, 2).join(',') }],
    'GET /api/outages': [{ bbox: '36.3,50.0,36.4,50.1' }],
    'GET /api/ownerless': [{ format: 'csv', stage: 'found', limit: '10', offset: '0' }, { format: 'geojson' }],
    'GET /api/ownership': [{ ...at, radius: '25' }],
    'GET /api/ownership/claims': [{ state: 'standing', limit: '20' }],
    'GET /api/outages/explaining': [{ ...at, category: 'no_cold_water' }],
    'GET /api/tickets': [{ status: 'new,accepted', executor: String(S.organisations[0]), category, bbox: '36.3,50.0,36.4,50.1', q: S.tickets[0]!, overdue: 'true', needs_routing: 'false', sort: 'due', limit: '10', offset: '5' }],
    'GET /open311/v2/requests.:format': [{ service_request_id: S.tickets.slice(0, 3).join(','), service_code: category, start_date: '2026-10-01T00:00:00Z', end_date: '2026-11-23T00:00:00Z', status: 'open', page: '1', page_size: '10' }],
    'POST /open311/v2/requests.:format': [{ api_key: 'test-key' }],
  };
  return seeds[routeKey(r)] ?? [{}];
}

