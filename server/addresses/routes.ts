// /api/addresses and /api/affected: address search and reverse lookup, the operator's address card, and the public "is my address affected?" (HTTP only).
import Router from '@koa/router';
import type { Db } from '../db/db.js';
import type { Clock } from '../clock.js';
import { requireRole } from '../auth/middleware.js';
import { MAX_INT4, parseId } from '../outages/schema.js';
import {
  addressCard, affectedAddress, affectedPoint, nearestAddresses, parseAddressLookup, parseCardQuery, parsePoint, searchAddresses,
} from './addresses.js';

// Every route here only reads, and a card a moment behind is fine: they read from a replica when there is one.
export function addressRoutes(db: Db, clock: Clock): Router {
  const router = new Router();

  router.get('/api/addresses', async (ctx) => {
    const lookup = parseAddressLookup(ctx.query);
    const addresses = lookup.kind === 'search'
      ? await searchAddresses(db.reader(), lookup.q, lookup.limit)
      : await nearestAddresses(db.reader(), lookup.lon, lookup.lat, lookup.limit);
    ctx.body = { addresses };
  });

  router.get('/api/addresses/:id/card', requireRole('operator', 'supervisor', 'executor', 'inspector'), async (ctx) => {
    const id = parseId(ctx.params.id, 'id', MAX_INT4);
    const { radiusM } = parseCardQuery(ctx.query);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await addressCard(db.reader(), id, radiusM, clock.now());
  });

  router.get('/api/addresses/:id/affected', async (ctx) => {
    const id = parseId(ctx.params.id, 'id', MAX_INT4);
    ctx.body = await affectedAddress(db.reader(), id, clock.now());
  });

  router.get('/api/affected', async (ctx) => {
    const { lon, lat } = parsePoint(ctx.query);
    ctx.body = await affectedPoint(db.reader(), lon, lat, clock.now());
  });

  return router;
}
