// Citizen-facing ticket API: the web form, routing and duplicate previews, and the token card (rate, reopen, clarify).
//   POST /api/public/tickets                 the citizen web form (JSON; Idempotency-Key honoured)
//   GET  /api/public/tickets/:token          the reporter's card: public ticket, public history, what they may do
//   POST /api/public/tickets/:token/rating   { rating: 1–5 }
//   POST /api/public/tickets/:token/reopen   { reason }
//   POST /api/public/tickets/:token/clarify  { answer }: the reporter answers the executor's question (needs_info → new)
//   GET  /api/routing?lon=&lat=&category=[&object_id=]   who would get it, by when (before submitting)
//   GET  /api/duplicates?lon=&lat=&category=             open tickets it may repeat
import Router from '@koa/router';
import type Koa from 'koa';
import type { AppDeps } from '../app.js';
import { systemClock } from '../clock.js';
import { maybeOne } from '../db/db.js';
import { Problem, badRequest, notFound, type FieldError } from '../http/problem.js';
import { idempotency, type IdempotencyState } from '../http/idempotency.js';
import { createTicket, findDuplicateCandidates } from './intake.js';
import { validateTicketRequest } from './validate.js';
import { routeTicket } from './routing.js';
import { hitRateLimit } from './rate-limit.js';
import { rateTicket, reopenTicket, clarifyTicket, citizenCard } from './citizen.js';
import { serviceNotice } from './present.js';
import { isoWithOffset } from './zone-time.js';
import type { CreatedTicket, DuplicateCandidate } from './types.js';

const TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tokenParam(ctx: Koa.Context): string {
  const token = String(ctx.params.token);
  if (!TOKEN.test(token)) throw notFound('No ticket has this token.');
  return token;
}

/** lon, lat and category from the query string, as previews take them. */
function placeQuery(ctx: Koa.Context): { lon: number; lat: number; category: string; objectId: number | null } {
  const errors: FieldError[] = [];
  const get = (name: string) => {
    const v = ctx.query[name];
    if (Array.isArray(v)) { errors.push({ field: name, message: 'must be given once' }); return undefined; }
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const coordinate = (name: string, limit: number) => {
    const v = get(name);
    if (v === undefined) { errors.push({ field: name, message: 'is required' }); return 0; }
    const n = /^[-+]?(\d+\.?\d*|\.\d+)$/.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n) || Math.abs(n) > limit) errors.push({ field: name, message: `must be a number from -${limit} to ${limit}` });
    return n;
  };
  const lon = coordinate('lon', 180);
  const lat = coordinate('lat', 90);
  const category = get('category');
  if (category === undefined) errors.push({ field: 'category', message: 'is required' });
  else if (!/^[a-z0-9_-]{1,64}$/.test(category)) errors.push({ field: 'category', message: 'is not a category code' });
  const objectRaw = get('object_id');
  if (objectRaw !== undefined && !/^[1-9]\d{0,14}$/.test(objectRaw)) errors.push({ field: 'object_id', message: 'must be a positive whole number' });
  if (errors.length > 0) throw badRequest('Some query parameters are not valid.', errors);
  return { lon, lat, category: category as string, objectId: objectRaw === undefined ? null : Number(objectRaw) };
}

function presentCandidates(list: DuplicateCandidate[], timeZone: string) {
  return list.map((c) => ({ id: c.id, status: c.status, distance_m: c.distanceM, created_at: isoWithOffset(c.createdAt, timeZone), description: c.description }));
}

/** What the citizen gets back from the web form: never the executor's internal code or anyone's contact. */
export function presentCreated(t: CreatedTicket, timeZone: string) {
  return {
    id: t.id,
    token: t.token,
    status: t.status,
    category: t.categoryCode,
    executor: { name: t.executor.name, phone: t.executor.phone },
    needs_routing: t.needsRouting,
    deadline_class: t.deadlineClass,
    due_at: isoWithOffset(t.dueAt, timeZone),
    service_notice: t.serviceNotice,
    duplicate_of: t.duplicateOf,
    duplicate_candidates: presentCandidates(t.duplicateCandidates, timeZone),
    outage: t.outage ? { id: t.outage.outageId, public_text: t.outage.publicText, ends_at: t.outage.endsAt ? isoWithOffset(t.outage.endsAt, timeZone) : null } : null,
  };
}

export function ticketRoutes(deps: AppDeps): Router {
  const { db, config } = deps;
  const clock = deps.clock ?? systemClock;
  const tz = config.tickets.timeZone;
  const router = new Router({ prefix: '/api' });

  const webRateLimit: Koa.Middleware = async (ctx, next) => {
    await hitRateLimit(db, `web:${ctx.ip}`, config.tickets.webRequestsPerWindow, config.tickets.rateLimitWindowSeconds, clock.now(), 'tickets from this address');
    await next();
  };

  router.post('/public/tickets', webRateLimit, idempotency(db, (ctx) => `web:${ctx.ip}`), async (ctx) => {
    const input = await validateTicketRequest(db, ctx.request.body, { dialect: 'api', source: 'web' });
    const body = await db.transaction(async (tx) => {
      const now = clock.now();
      const created = presentCreated(await createTicket(tx, input, { now, actor: { kind: 'citizen' }, config }), tz);
      await (ctx.state.idempotency as IdempotencyState | undefined)?.save(tx, { status: 201, type: 'application/json; charset=utf-8', body: created }, now);
      return created;
    });
    ctx.status = 201;
    ctx.body = body;
  });

  router.get('/public/tickets/:token', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const token = tokenParam(ctx);
    // A replica that has not yet replayed a ticket just filed (by a client without the
    // read-your-writes cookie) is not the last word: the primary is asked before a 404.
    ctx.body = await citizenCard(db.reader(), token, clock.now(), config.tickets)
      .catch((err: unknown) => (err instanceof Problem && err.status === 404 ? citizenCard(db, token, clock.now(), config.tickets) : Promise.reject(err)));
  });

  router.post('/public/tickets/:token/rating', async (ctx) => {
    const token = tokenParam(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const rating = typeof body.rating === 'string' && /^[1-5]$/.test(body.rating) ? Number(body.rating) : body.rating;
    if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5) {
      throw badRequest('Rate the result from 1 to 5.', [{ field: 'rating', message: 'must be a whole number from 1 to 5' }]);
    }
    ctx.body = await db.transaction((tx) => rateTicket(tx, token, rating, clock.now()));
  });

  router.post('/public/tickets/:token/reopen', async (ctx) => {
    const token = tokenParam(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
    if (reason === '' || [...reason].length > 2000 || /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(reason)) {
      throw badRequest('Say why the ticket is reopened.', [{ field: 'reason', message: 'is required: 1 to 2000 characters of text' }]);
    }
    const result = await db.transaction((tx) => reopenTicket(tx, token, reason, clock.now(), config.tickets));
    ctx.body = { id: result.id, status: result.status, due_at: isoWithOffset(result.dueAt, tz) };
  });

  router.post('/public/tickets/:token/clarify', async (ctx) => {
    const token = tokenParam(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const answer = typeof body.answer === 'string' ? body.answer.trim() : '';
    if (answer === '' || [...answer].length > 2000 || /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(answer)) {
      throw badRequest('Answer the executor\'s question.', [{ field: 'answer', message: 'is required: 1 to 2000 characters of text' }]);
    }
    ctx.body = await db.transaction((tx) => clarifyTicket(tx, token, answer, clock.now()));
  });

  router.get('/routing', async (ctx) => {
    const place = placeQuery(ctx);
    const category = await maybeOne<{ active: boolean; deadline_class: string; hours: number; accept_minutes: number }>(db, 'tickets/category-deadline', { category: place.category });
    if (!category || !category.active) throw badRequest('Unknown category.', [{ field: 'category', message: `${place.category} is not a category` }]);
    const route = await routeTicket(db, { categoryCode: place.category, lon: place.lon, lat: place.lat, objectId: place.objectId }, config.defaultExecutor);
    const now = clock.now();
    const dueAt = new Date(now.getTime() + category.hours * 3_600_000);
    ctx.body = {
      executor: { name: route.executorName, phone: route.executorPhone },
      routed_by: route.routedBy,
      needs_routing: route.needsRouting,
      deadline_class: category.deadline_class,
      accept_due_at: isoWithOffset(new Date(now.getTime() + category.accept_minutes * 60_000), tz),
      due_at: isoWithOffset(dueAt, tz),
      service_notice: serviceNotice({ executorName: route.executorName, dueAt, needsRouting: route.needsRouting, duplicateOf: null, outage: undefined }, tz),
    };
  });

  router.get('/duplicates', async (ctx) => {
    const place = placeQuery(ctx);
    const candidates = await findDuplicateCandidates(db, { categoryCode: place.category, lon: place.lon, lat: place.lat }, clock.now(), config);
    ctx.body = { radius_m: config.tickets.duplicateRadiusM, window_hours: config.tickets.duplicateWindowHours, candidates: presentCandidates(candidates, tz) };
  });

  return router;
}
