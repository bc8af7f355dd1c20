// The built web app served by Koa: app routes fall back to index.html, hashed assets are
// immutable, nothing outside the dist directory leaves, and the API's 404s stay 404s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { webApp } from './static.js';
import { testDb } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import type { Db } from '../db/db.js';

let work: string;
let url: string;
let server: http.Server;
let db: Db;
let app: TestServer;

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'misto-web-'));
  const dist = path.join(work, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Місто</title><div id="app"></div>');
  writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), `console.log(${JSON.stringify('x'.repeat(4000))});`);
  writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(work, 'secret.txt'), 'outside the dist directory');
  const koa = new Koa();
  koa.use(webApp(dist));
  server = koa.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  db = await testDb();
  app = await startTestServer(db);
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await app.close();
  await db.close();
  rmSync(work, { recursive: true, force: true });
});

/** A raw GET that sends the path exactly as given (fetch would normalise the dots away). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    http.get({ hostname, port, path: rawPath }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('every app route answers with index.html that is revalidated each time', async () => {
  for (const p of ['/', '/track/42', '/affected', '/operator', '/executor', '/inspector', '/dashboard', '/dashboard/daily', '/login']) {
    const res = await fetch(url + p);
    assert.equal(res.status, 200, p);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(await res.text(), /<div id="app">/, p);
  }
});

test('hashed assets are cached as immutable, compressed, and answer 304 to their ETag', async () => {
  const res = await fetch(`${url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(res.headers.get('content-type') ?? '', /javascript/);
  assert.equal(res.headers.get('content-encoding'), 'gzip');
  assert.match(await res.text(), /^console\.log/);
  const etag = res.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${url}/assets/index-abc123.js`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  const plain = await fetch(`${url}/favicon.svg`);
  assert.equal(plain.headers.get('cache-control'), 'no-cache');
  assert.equal(plain.headers.get('content-type'), 'image/svg+xml');
});

test('a path that climbs out of the dist directory is refused', async () => {
  for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/%00index.html']) {
    const res = await rawGet(url, p);
    assert.equal(res.status, 404, p);
    assert.doesNotMatch(res.body, /outside the dist directory/, p);
  }
  assert.equal((await rawGet(url, '/%E0%A4%A')).status, 400);
});

test('unknown files and paths that are not app routes stay 404', async () => {
  assert.equal((await fetch(`${url}/assets/missing.js`)).status, 404);
  assert.equal((await fetch(`${url}/operator/extra/deep`)).status, 404);
  assert.equal((await fetch(`${url}/api/nothing-here`)).status, 404);
});

test('in the real app the web app is mounted last: API routes win and unknown API paths are not index.html', async () => {
  const health = await fetch(`${app.url}/health`);
  assert.equal(health.status, 200);
  assert.match(health.headers.get('content-type') ?? '', /json/);
  const missing = await fetch(`${app.url}/api/no-such-endpoint`);
  assert.equal(missing.status, 404);
  assert.doesNotMatch(missing.headers.get('content-type') ?? '', /html/);
});
