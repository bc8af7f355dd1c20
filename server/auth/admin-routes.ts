// /api/admin (admin only): Open311 API keys (create once-shown, list, revoke) and users (create, list).
import Router from '@koa/router';
import type { Db } from '../db/db.js';
import type { Clock } from '../clock.js';
import { badRequest } from '../http/problem.js';
import { currentUser, requireRole } from './middleware.js';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.js';
import { createUserAccount, parseNewUser } from './users.js';
import { MAX_INT4, parsePathId } from '../staff/schema.js';

export function adminRoutes(db: Db, clock: Clock): Router {
  const router = new Router({ prefix: '/api/admin' });
  router.use(requireRole('admin'));

  router.get('/api-keys', async (ctx) => {
    ctx.body = { api_keys: await listApiKeys(db) };
  });

  router.post('/api-keys', async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    if (name === '' || name.length > 200) throw badRequest('Name the key after who uses it.', [{ field: 'name', message: 'a name of 1 to 200 characters' }]);
    const created = await createApiKey(db, currentUser(ctx).id, name, clock.now());
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = created;
  });

  router.delete('/api-keys/:id', async (ctx) => {
    await revokeApiKey(db, currentUser(ctx).id, parsePathId(ctx.params.id, 'API key', MAX_INT4), clock.now());
    ctx.status = 204;
  });

  router.get('/users', async (ctx) => {
    ctx.body = { users: await db.query('auth/users-list') };
  });

  router.post('/users', async (ctx) => {
    const user = await createUserAccount(db, currentUser(ctx).id, parseNewUser(ctx.request.body), clock.now());
    ctx.status = 201;
    ctx.body = { user };
  });

  return router;
}
