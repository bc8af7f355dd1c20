// /api/ownership (the lookup), ownership claims and their resolution, and the ownerless register (/api/ownerless).
import Router from '@koa/router';
import { systemClock } from '../clock.js';
import type { AppDeps } from '../app.js';
import { badRequest, forbidden, type FieldError } from '../http/problem.js';
import { currentUser, requireRole } from '../auth/middleware.js';
import * as v from '../objects/schema.js';
import { actingFrom, latestToday } from '../objects/routes.js';
import { CITY_DEPARTMENT } from './responsible.js';
import { LOOKUP_RADIUS, lookupOwnership } from './lookup.js';
import { CLAIM_KINDS, CLAIM_ROLES, RESOLUTIONS, fileClaim, resolveClaim } from './claims.js';
import {
  ALL_STAGES, DANGER_LEVELS, STAGES, advanceRecord, listRegister, recordFound, registerCsv, registerGeoJson,
} from './register.js';
import { CLAIMS_PAGE, CLAIM_STATES, listClaims, listOrganisations } from './lists.js';

const REGISTER_PAGE = { fallback: 500, max: 5000 } as const;
/** Exports are whole unless a limit is asked for; this caps them. */
const REGISTER_EXPORT_MAX = 100_000;

export function ownershipRoutes(deps: AppDeps): Router {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;
  const router = new Router({ prefix: '/api' });

  router.get('/ownership', requireRole('inspector', 'operator', 'supervisor'), async (ctx) => {
    const errors: FieldError[] = [];
    const at = v.lonLat(ctx.query.lon, ctx.query.lat, errors);
    const radius = v.numberIn(ctx.query.radius, 'radius', errors, { min: LOOKUP_RADIUS.min, max: LOOKUP_RADIUS.max, fallback: LOOKUP_RADIUS.fallback, unit: 'metres' });
    if (errors.length > 0 || !at || radius === undefined) throw badRequest('Give lon and lat (WGS 84) and optionally radius in metres (1 to 500, default 25).', errors);
    ctx.body = await lookupOwnership(db, { ...at, radius }, CITY_DEPARTMENT);
  });

  router.get('/ownership/organisations', requireRole('inspector', 'operator', 'supervisor'), async (ctx) => {
    ctx.body = { organisations: await listOrganisations(db) };
  });

  router.get('/ownership/claims', requireRole('inspector', 'supervisor'), async (ctx) => {
    const errors: FieldError[] = [];
    const state = v.oneOf(ctx.query.state, 'state', CLAIM_STATES, errors) ?? 'standing';
    const limit = v.numberIn(ctx.query.limit, 'limit', errors, CLAIMS_PAGE);
    if (limit !== undefined && !Number.isInteger(limit)) errors.push({ field: 'limit', message: 'a whole number' });
    if (errors.length > 0) throw badRequest('The claims query is not valid.', errors);
    ctx.body = await listClaims(db, state, limit!);
  });

  // An organisation's own executors file for it; inspectors file on any organisation's behalf.
  router.post('/objects/:id/claims', requireRole('inspector', 'executor'), async (ctx) => {
    const now = clock.now();
    const user = currentUser(ctx);
    const errors: FieldError[] = [];
    const objectId = v.id(ctx.params.id, 'id', errors);
    const b = v.body(ctx.request.body, errors);
    const organisationId = b.organisation_id === undefined && user.role === 'executor'
      ? user.organisationId ?? undefined
      : v.id(b.organisation_id, 'organisation_id', errors, { required: true, max: v.MAX_INT4 });
    const claim = v.oneOf(b.claim, 'claim', CLAIM_KINDS, errors, { required: true });
    const role = v.oneOf(b.role, 'role', CLAIM_ROLES, errors) ?? 'owner';
    const evidence = v.evidence(b.evidence_ref, b.evidence_date, errors, { required: true, today: latestToday(now) });
    if (errors.length > 0) throw badRequest('The claim is not valid.', errors);
    if (user.role === 'executor' && organisationId !== user.organisationId) {
      throw forbidden('An executor files claims for its own organisation only; an inspector can file on behalf of another.');
    }
    const outcome = await fileClaim(db, actingFrom(ctx, now), { objectId: objectId!, organisationId: organisationId!, claim: claim!, role, evidence: evidence! });
    ctx.status = 201;
    ctx.body = outcome;
  });

  router.post('/claims/:id/resolve', requireRole('inspector'), async (ctx) => {
    const errors: FieldError[] = [];
    const claimId = v.id(ctx.params.id, 'id', errors);
    const b = v.body(ctx.request.body, errors);
    const resolution = v.oneOf(b.resolution, 'resolution', RESOLUTIONS, errors, { required: true });
    const reason = v.text(b.reason, 'reason', errors, { required: true, max: 2000 });
    if (errors.length > 0) throw badRequest('A resolution needs accepted or rejected and a reason.', errors);
    ctx.body = await resolveClaim(db, actingFrom(ctx, clock.now()), claimId!, resolution!, reason!);
  });

  router.post('/ownerless', requireRole('inspector'), async (ctx) => {
    const now = clock.now();
    const errors: FieldError[] = [];
    const b = v.body(ctx.request.body, errors);
    const dangerLevel = v.oneOf(b.danger_level, 'danger_level', DANGER_LEVELS, errors, { required: true });
    const foundAt = v.instant(b.found_at, 'found_at', errors);
    const note = v.text(b.note, 'note', errors, { max: 4000 });
    const objectId = v.id(b.object_id, 'object_id', errors, { required: false });
    let object: Parameters<typeof recordFound>[2]['object'];
    if (objectId === undefined) {
      const kind = v.text(b.kind, 'kind', errors, { required: true, max: 64 });
      const geometry = v.geometry(b.geometry, 'geometry', errors);
      const label = v.text(b.label, 'label', errors, { max: 200 });
      const photos = v.photos(b.photos, 'photos', errors);
      object = { kind: kind!, geometry: geometry!, label, photos };
    } else {
      for (const f of ['kind', 'geometry', 'label', 'photos']) {
        if (b[f] !== undefined) errors.push({ field: f, message: 'give either object_id (an object already recorded) or the new object, not both' });
      }
    }
    if (errors.length > 0) throw badRequest('The found object is not valid.', errors);
    const result = await recordFound(db, actingFrom(ctx, now), { objectId, object, dangerLevel: dangerLevel!, foundAt, note });
    ctx.status = 201;
    ctx.set('Location', `/api/objects/${result.object_id}`);
    ctx.body = result;
  });

  router.post('/ownerless/:id/advance', requireRole('inspector'), async (ctx) => {
    const errors: FieldError[] = [];
    const recordId = v.id(ctx.params.id, 'id', errors);
    const b = v.body(ctx.request.body, errors);
    const stage = v.oneOf(b.stage, 'stage', STAGES.slice(1), errors, { required: true });
    const at = v.instant(b.at, 'at', errors);
    const ref = v.text(b.ref, 'ref', errors, { max: 500 });
    if (errors.length > 0) throw badRequest('Name the next stage, with its date and document where it needs them.', errors);
    ctx.body = await advanceRecord(db, actingFrom(ctx, clock.now()), recordId!, { stage: stage!, at, ref }, CITY_DEPARTMENT);
  });

  // Public by law: the register is the public notice. Public fields only (see sql/ownership/ownerless_list.sql).
  router.get('/ownerless', async (ctx) => {
    const errors: FieldError[] = [];
    const format = v.oneOf(ctx.query.format, 'format', ['json', 'csv', 'geojson'] as const, errors) ?? 'json';
    const stage = v.oneOf(ctx.query.stage, 'stage', ALL_STAGES, errors);
    const max = format === 'json' ? REGISTER_PAGE.max : REGISTER_EXPORT_MAX;
    const limit = v.numberIn(ctx.query.limit, 'limit', errors, { min: 1, max, fallback: format === 'json' ? REGISTER_PAGE.fallback : max });
    const offset = v.numberIn(ctx.query.offset, 'offset', errors, { min: 0, max: 10_000_000, fallback: 0 });
    if ((limit !== undefined && !Number.isInteger(limit))) errors.push({ field: 'limit', message: 'a whole number' });
    if ((offset !== undefined && !Number.isInteger(offset))) errors.push({ field: 'offset', message: 'a whole number' });
    if (errors.length > 0) throw badRequest('The register query is not valid.', errors);
    const { total, entries } = await listRegister(db, { stage, limit: limit!, offset: offset!, now: clock.now() });
    if (format === 'csv') {
      ctx.type = 'text/csv; charset=utf-8';
      ctx.set('Content-Disposition', `attachment; filename="ownerless-register${stage ? `-${stage}` : ''}.csv"`);
      ctx.body = registerCsv(entries);
    } else if (format === 'geojson') {
      ctx.type = 'application/geo+json';
      ctx.set('Content-Disposition', `attachment; filename="ownerless-register${stage ? `-${stage}` : ''}.geojson"`);
      ctx.body = registerGeoJson(entries);
    } else {
      ctx.body = { total, limit, offset, entries: entries.map(({ geometry: _g, ...e }) => e) };
    }
  });

  return router;
}
