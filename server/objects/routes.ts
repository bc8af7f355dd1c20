// /api/objects: record, edit and read infrastructure objects; the public "nearest object of these kinds" for the ticket form.
import Router from '@koa/router';
import type Koa from 'koa';
import { systemClock } from '../clock.js';
import type { AppDeps } from '../app.js';
import { badRequest, type FieldError } from '../http/problem.js';
import { currentUser, requireRole } from '../auth/middleware.js';
import { CITY_DEPARTMENT } from '../ownership/responsible.js';
import * as v from './schema.js';
import { createObject, objectDetail, objectKinds, updateObject, type Acting } from './objects.js';

/** The user behind the request and the clock's time, as the logic records them. */
export function actingFrom(ctx: Koa.Context, now: Date): Acting {
  const user = currentUser(ctx);
  return { userId: user.id, actor: `user:${user.id}`, now };
}

/** The latest calendar day anywhere on earth: a document dated "today" in Kyiv is never refused as future. */
export function latestToday(now: Date): string {
  return v.isoDay(new Date(now.getTime() + 14 * 3_600_000));
}

export const NEAR_RADIUS = { min: 1, max: 100, fallback: 30 } as const;

export function objectRoutes(deps: AppDeps): Router {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;
  const router = new Router({ prefix: '/api/objects' });
  const staff = requireRole('inspector', 'operator', 'supervisor');

  // Public: the ticket form asks which object a report is about. Kind, status and label only.
  router.get('/near', async (ctx) => {
    const errors: FieldError[] = [];
    const at = v.lonLat(ctx.query.lon, ctx.query.lat, errors);
    const radius = v.numberIn(ctx.query.radius, 'radius', errors, { ...NEAR_RADIUS, unit: 'metres' });
    const kindsRaw = ctx.query.kinds;
    let kinds: string[] = [];
    if (typeof kindsRaw !== 'string' || kindsRaw.trim() === '') {
      errors.push({ field: 'kinds', message: 'required: object kinds separated by commas, e.g. street_light_pole,power_pole' });
    } else {
      kinds = [...new Set(kindsRaw.split(',').map((k) => k.trim()).filter(Boolean))];
      const known = await objectKinds(db);
      const unknown = kinds.filter((k) => !known.has(k));
      if (unknown.length > 0 || kinds.length === 0 || kinds.length > 20) {
        errors.push({ field: 'kinds', message: `unknown kind${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${[...known.keys()].join(', ')}` });
      }
    }
    if (errors.length > 0 || !at) throw badRequest('Give lon, lat and kinds.', errors);
    const [object] = await db.query('objects/near', { lon: at.lon, lat: at.lat, radius: radius!, kinds: JSON.stringify(kinds) });
    ctx.body = { object: object ?? null };
  });

  router.get('/:id', staff, async (ctx) => {
    const errors: FieldError[] = [];
    const id = v.id(ctx.params.id, 'id', errors);
    if (id === undefined) throw badRequest('Not an object id.', errors);
    ctx.body = await objectDetail(db, id, CITY_DEPARTMENT);
  });

  router.post('/', requireRole('inspector'), async (ctx) => {
    const now = clock.now();
    const errors: FieldError[] = [];
    const b = v.body(ctx.request.body, errors);
    const kind = v.text(b.kind, 'kind', errors, { required: true, max: 64 });
    const geometry = v.geometry(b.geometry, 'geometry', errors);
    const label = v.text(b.label, 'label', errors, { max: 200 });
    const photos = v.photos(b.photos, 'photos', errors);
    const ownerId = v.organisationId(b.owner_id, 'owner_id', errors);
    const balanceHolderId = v.organisationId(b.balance_holder_id, 'balance_holder_id', errors);
    const holder = ownerId != null || balanceHolderId != null;
    const evidence = v.evidence(b.evidence_ref, b.evidence_date, errors, { required: holder, today: latestToday(now) });
    if (errors.length > 0) throw badRequest('The object is not valid.', errors);
    const id = await createObject(db, actingFrom(ctx, now), { kind: kind!, geometry: geometry!, label, photos, ownerId, balanceHolderId, evidence });
    ctx.status = 201;
    ctx.set('Location', `/api/objects/${id}`);
    ctx.body = await objectDetail(db, id, CITY_DEPARTMENT);
  });

  router.patch('/:id', requireRole('inspector'), async (ctx) => {
    const now = clock.now();
    const errors: FieldError[] = [];
    const id = v.id(ctx.params.id, 'id', errors);
    const b = v.body(ctx.request.body, errors);
    const version = v.id(b.version, 'version', errors);
    for (const field of Object.keys(b)) {
      if (!['version', 'label', 'geometry', 'photos', 'owner_id', 'balance_holder_id', 'evidence_ref', 'evidence_date'].includes(field)) {
        errors.push({ field, message: 'not a field that can be changed here (kind and status cannot be; status follows owner, claims and register)' });
      }
    }
    const label = b.label === null ? null : v.text(b.label, 'label', errors, { max: 200 });
    const geometry = b.geometry === undefined ? undefined : v.geometry(b.geometry, 'geometry', errors);
    const photos = v.photos(b.photos, 'photos', errors);
    const ownerId = v.organisationId(b.owner_id, 'owner_id', errors);
    const balanceHolderId = v.organisationId(b.balance_holder_id, 'balance_holder_id', errors);
    const evidence = v.evidence(b.evidence_ref, b.evidence_date, errors, { required: false, today: latestToday(now) });
    if (errors.length > 0) throw badRequest('The change is not valid.', errors);
    await updateObject(db, actingFrom(ctx, now), id!, { version: version!, label, geometry, photos, ownerId, balanceHolderId, evidence });
    ctx.body = await objectDetail(db, id!, CITY_DEPARTMENT);
  });

  return router;
}
