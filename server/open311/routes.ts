// /open311/v2/: GeoReport v2 — discovery, services, service definitions, requests (GET, POST), tokens; each in .json and .xml.
import Router, { type RouterMiddleware } from '@koa/router';
import type Koa from 'koa';
import type { AppDeps } from '../app.js';
import { systemClock } from '../clock.js';
import { maybeOne } from '../db/db.js';
import { notFound, toProblem, badRequest, forbidden } from '../http/problem.js';
import { idempotency, type IdempotencyState } from '../http/idempotency.js';
import { inputReader } from '../http/input.js';
import { createTicket } from '../tickets/intake.js';
import { validateTicketRequest } from '../tickets/validate.js';
import { hitRateLimit } from '../tickets/rate-limit.js';
import { resolveApiKey, type ApiKeyIdentity } from './api-keys.js';
import { listServices, serviceDefinition } from './services.js';
import { parseRequestSearch, searchRequests } from './requests.js';
import { toXml, type ItemNames } from './xml.js';

type Format = 'json' | 'xml';

/** The element names XML gives array items; JSON just has arrays. */
const ITEMS: ItemNames = {
  services: 'service', service_requests: 'request', errors: 'error', attributes: 'attribute', values: 'value',
  endpoints: 'endpoint', formats: 'format',
};

/** When this implementation last changed in a way clients should notice (discovery changeset). */
const CHANGESET = '2026-11-01T00:00:00Z';

function formatOf(ctx: Koa.Context): Format {
  const f = ctx.params.format;
  if (f === 'json' || f === 'xml') return f;
  throw notFound(`Unknown format "${String(f)}": use .json or .xml.`);
}

/** One object, two renderings: the XML is the JSON's tree under `root`. */
function send(ctx: Koa.Context, format: Format, root: string, value: unknown, status = 200) {
  const answer = render(format, root, value);
  ctx.status = status;
  ctx.type = answer.type;
  ctx.body = answer.body;
}

function render(format: Format, root: string, value: unknown): { type: string; body: unknown } {
  return format === 'xml'
    ? { type: 'text/xml; charset=utf-8', body: toXml(root, value, ITEMS) }
    : { type: 'application/json; charset=utf-8', body: value };
}

/** The spec's error list: [{ code, description }] with the HTTP status as code; a field error names its field. */
function writeOpen311Error(ctx: Koa.Context, err: unknown) {
  const p = toProblem(err);
  if (p.status >= 500 && p.status !== 503) console.error(`${ctx.method} ${ctx.path}:`, err);
  const errors = p.errors && p.errors.length > 0
    ? p.errors.map((e) => ({ code: p.status, description: `${e.field}: ${e.message}` }))
    : [{ code: p.status, description: p.detail ?? p.title }];
  const format: Format = /\.xml$/.test(ctx.path) ? 'xml' : 'json';
  for (const [k, v] of Object.entries(p.headers ?? {})) ctx.set(k, v);
  send(ctx, format, 'errors', errors, p.status);
}

export function open311Routes(deps: AppDeps): Koa.Middleware & { router: Router } {
  const { db, config } = deps;
  const clock = deps.clock ?? systemClock;
  const tz = config.tickets.timeZone;
  const router = new Router({ prefix: '/open311/v2' });

  router.get('/discovery.:format', (ctx) => {
    const url = `${ctx.protocol}://${ctx.host}/open311/v2/`;
    send(ctx, formatOf(ctx), 'discovery', {
      changeset: CHANGESET,
      contact: 'Контакт-центр міста (Misto)',
      key_service: 'An api_key for POST requests is issued by the contact centre administrator.',
      endpoints: [{
        specification: 'http://wiki.open311.org/GeoReport_v2',
        url,
        changeset: CHANGESET,
        type: 'production',
        formats: ['text/xml', 'application/json'],
      }],
    });
  });

  router.get('/services.:format', async (ctx) => {
    const format = formatOf(ctx);
    send(ctx, format, 'services', await listServices(db.reader()));
  });

  router.get('/services/:code.:format', async (ctx) => {
    const format = formatOf(ctx);
    const code = String(ctx.params.code);
    const definition = /^[a-z0-9_-]{1,64}$/.test(code) ? await serviceDefinition(db.reader(), code) : undefined;
    if (!definition) throw notFound(`service_code ${code} not found`);
    send(ctx, format, 'service_definition', definition);
  });

  // api_key: required, from the form (as the spec has it), a JSON body or the query string.
  const requireApiKey: Koa.Middleware = async (ctx, next) => {
    formatOf(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const raw = body.api_key ?? ctx.query.api_key;
    if (raw === undefined || raw === '') throw badRequest('api_key is required.', [{ field: 'api_key', message: 'is required' }]);
    if (typeof raw !== 'string' || raw.length > 200) throw forbidden('Invalid api_key.');
    const identity = await resolveApiKey(db, config.open311ApiKeys, raw);
    if (!identity) throw forbidden('Invalid api_key.');
    ctx.state.apiKey = identity;
    await hitRateLimit(db, identity.scope, config.tickets.open311RequestsPerWindow, config.tickets.rateLimitWindowSeconds, clock.now(), 'service requests for this api_key');
    await next();
  };

  router.post('/requests.:format', requireApiKey, idempotency(db, (ctx) => (ctx.state.apiKey as ApiKeyIdentity).scope), async (ctx) => {
    const format = formatOf(ctx);
    const apiKey = ctx.state.apiKey as ApiKeyIdentity;
    const input = await validateTicketRequest(db, ctx.request.body, { dialect: 'open311', source: 'open311' });
    input.apiKeyId = apiKey.id;
    const answer = await db.transaction(async (tx) => {
      const now = clock.now();
      const created = await createTicket(tx, input, { now, actor: { kind: 'citizen' }, config });
      const rendered = render(format, 'service_requests', [{
        service_request_id: String(created.id),
        token: created.token,
        service_notice: created.serviceNotice,
        account_id: null,
      }]);
      await (ctx.state.idempotency as IdempotencyState | undefined)?.save(tx, { status: 200, ...rendered }, now);
      return rendered;
    });
    ctx.status = 200;
    ctx.type = answer.type;
    ctx.body = answer.body;
  });

  router.get('/requests.:format', async (ctx) => {
    const format = formatOf(ctx);
    const search = parseRequestSearch(ctx.query, clock.now());
    send(ctx, format, 'service_requests', await searchRequests(db.reader(), search, tz));
  });

  const oneRequest: RouterMiddleware = async (ctx) => {
    const format = formatOf(ctx);
    const id = String(ctx.params.id);
    const search = { ids: [Number(id)], start: new Date(0), end: new Date(0), page: 1, pageSize: 1 };
    // Read from a replica; one that has not replayed the ticket yet (a client without cookies,
    // asking right after its POST) is not the last word: the primary is asked before a 404.
    let found = /^[1-9]\d{0,14}$/.test(id) ? await searchRequests(db.reader(), search, tz) : [];
    if (found.length === 0 && /^[1-9]\d{0,14}$/.test(id)) found = await searchRequests(db, search, tz);
    if (found.length === 0) throw notFound(`service_request_id ${id} not found`);
    send(ctx, format, 'service_requests', found);
  };
  router.get('/requests/:id.:format', oneRequest);
  router.get('/request/:id.:format', oneRequest);

  router.get('/tokens/:token.:format', async (ctx) => {
    const format = formatOf(ctx);
    const token = String(ctx.params.token);
    const row = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(token)
      ? await maybeOne<{ id: number }>(db.reader(), 'open311/token', { token }) ?? await maybeOne<{ id: number }>(db, 'open311/token', { token })
      : undefined;
    if (!row) throw notFound(`token ${token} not found`);
    send(ctx, format, 'service_requests', [{ service_request_id: String(row.id), token }]);
  });

  const routes = router.routes();
  const allowed = router.allowedMethods({ throw: true });
  // Its own body parser, inside the error handler: a malformed body gets the spec's error list too.
  const parse = inputReader('64kb');
  const done = async () => {};

  // `router` rides along so that route listings (server/security/routes.ts) see these routes too.
  return Object.assign(async (ctx: Koa.Context, next: Koa.Next) => {
    if (!ctx.path.startsWith('/open311/')) return next();
    try {
      await parse(ctx);
      // Called by hand (not app.use) so that this one try/catch covers parsing, routing and 405s;
      // the router's context types only describe contexts the router made itself.
      await allowed(ctx as never, () => routes(ctx as never, done));
      if (ctx.status === 404 && ctx.body === undefined) throw notFound(`No Open311 resource at ${ctx.path}; see /open311/v2/discovery.json.`);
    } catch (err) {
      writeOpen311Error(ctx, err);
    }
  }, { router });
}
