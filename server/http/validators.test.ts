// Validators on GET answers: a strong ETag of the bytes, 304 to a matching If-None-Match, a new tag when the data changes, none on no-store answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Koa from 'koa';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { createServiceCategory } from '../testing/factories/tickets.js';
import type { Db } from '../db/db.js';
import { validators } from './validators.js';

let db: Db;
let server: TestServer;

before(async () => {
  db = await testDb();
  server = await startTestServer(db);
});
after(async () => {
  await server.close();
  await db.close();
});

test('a public Open311 read carries a strong ETag, answers 304 to it, and gets a new one when its data changes', async () => {
  const url = `${server.url}/open311/v2/services.json`;
  const first = await fetch(url);
  assert.equal(first.status, 200);
  const body = await first.text();
  const etag = first.headers.get('etag');
  assert.match(etag ?? '', /^"[A-Za-z0-9_-]{32}"$/);
  assert.equal(first.headers.get('content-type'), 'application/json; charset=utf-8');

  const again = await fetch(url, { headers: { 'if-none-match': etag! } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  assert.equal(again.headers.get('etag'), etag);
  assert.equal((await fetch(url, { headers: { 'if-none-match': '"another"' } })).status, 200);
  // The same bytes, the same tag (as a second process behind the same proxy would give).
  assert.equal((await fetch(url)).headers.get('etag'), etag);

  await createServiceCategory(db, { nameUk: 'Нова категорія для валідаторів' });
  const changed = await fetch(url, { headers: { 'if-none-match': etag! } });
  assert.equal(changed.status, 200, 'the old tag no longer matches');
  assert.notEqual(changed.headers.get('etag'), etag);
  assert.notEqual(await changed.text(), body);
});

test('no-store answers, streams and answers that are not 200 get no validator', async () => {
  const app = new Koa();
  app.use(validators());
  app.use((ctx) => {
    if (ctx.path === '/private') {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { phone: '+380 00 000 0000' };
    } else if (ctx.path === '/stream') ctx.body = Readable.from(['a', 'b']);
    else if (ctx.path === '/created') {
      ctx.status = 201;
      ctx.body = { id: 1 };
    } else ctx.body = { open: true };
  });
  const listener = app.listen(0, '127.0.0.1');
  await new Promise((r) => listener.once('listening', r));
  const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  try {
    for (const path of ['/private', '/stream', '/created']) {
      const res = await fetch(base + path, { headers: { 'if-none-match': '*' } });
      assert.ok(res.status === 200 || res.status === 201, path);
      assert.equal(res.headers.get('etag'), null, path);
      await res.text();
    }
    const open = await fetch(`${base}/open`);
    assert.deepEqual(await open.json(), { open: true });
    assert.equal((await fetch(`${base}/open`, { method: 'POST', headers: { 'if-none-match': open.headers.get('etag')! } })).status, 200, 'only GET and HEAD are answered 304');
  } finally {
    await new Promise((r) => listener.close(r));
  }
});
