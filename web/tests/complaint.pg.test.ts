// Filing a complaint end to end in real Chromium: pick a point, choose a category, see who will
// handle it and by when, send, get the number; the new point shows on a second open map without
// a reload; tracking by number; field errors in Ukrainian; nothing typed is lost on a failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startBrowserApp, screenshot, waitForMap, renderedFeatures, jumpTo, type BrowserApp } from './harness.js';

let app: BrowserApp;
before(async () => { app = await startBrowserApp(); });
after(async () => { await app?.close(); });

/** A quiet spot of the demo city (covered by the roads service area) to file at. */
const SPOT: [number, number] = [36.3522, 50.0393];

async function openForm(page: Page) {
  await page.goto(app.url + '/');
  await waitForMap(page);
  await jumpTo(page, SPOT, 16);
  await page.click('[data-testid="file-complaint"]');
  await page.waitForSelector('[data-testid="complaint-form"]');
}

async function clickMapAt(page: Page, at: [number, number]) {
  const point = await page.evaluate((c) => (window as unknown as { __mistoMap: { project(c: [number, number]): { x: number; y: number } } }).__mistoMap.project(c), at);
  const box = await page.locator('[data-testid="map"] canvas').boundingBox();
  assert.ok(box);
  await page.mouse.click(box.x + point.x, box.y + point.y);
}

test('a citizen files a complaint: preview, number, and the new point on another open map within a second', async () => {
  const observer = await app.newPage();
  await observer.goto(app.url + '/');
  await waitForMap(observer);
  await jumpTo(observer, SPOT, 16);
  // Give the observer's live stream a moment to connect.
  await observer.waitForFunction(() => !document.querySelector('[data-testid="live-banner"]'));
  await observer.waitForTimeout(500);

  const page = await app.newPage();
  await openForm(page);
  await clickMapAt(page, SPOT);
  await page.waitForSelector('[data-testid="complaint-point"]');
  await page.selectOption('#complaint-category', 'pothole');
  await page.fill('#complaint-description', 'Глибока яма на проїжджій частині біля зупинки');
  // Before sending: who will handle it and the deadline.
  await page.waitForSelector('[data-testid="preview-executor"]');
  const executor = await page.locator('[data-testid="preview-executor"]').textContent();
  const [expected] = await app.db.sql<{ name: string }>(
    `SELECT o.name FROM service_areas s JOIN organisations o ON o.id = s.executor_id
     WHERE s.category_code = 'pothole' AND ST_Intersects(s.geom, ST_SetSRID(ST_MakePoint($lon, $lat), 4326))
     ORDER BY s.priority DESC, ST_Area(s.geom) LIMIT 1`, { lon: SPOT[0], lat: SPOT[1] });
  assert.ok(expected, 'a service area covers the spot');
  assert.ok(executor?.includes(expected.name), `the preview names ${expected.name}: ${executor}`);
  assert.match((await page.locator('[data-testid="preview-deadline"]').textContent()) ?? '', /\d{2}\.\d{2}\.\d{4}/);
  await screenshot(page, 'complaint-form');

  await page.click('[data-testid="complaint-submit"]');
  await page.waitForSelector('[data-testid="complaint-number"]');
  const sentAt = Date.now();
  const id = Number(/\d+/.exec((await page.locator('[data-testid="complaint-number"]').textContent()) ?? '')?.[0]);
  assert.ok(id > 0);
  const [row] = await app.db.sql<{ category_code: string; description: string; source: string }>('SELECT category_code, description, source FROM tickets WHERE id = $id', { id });
  assert.deepEqual(row, { category_code: 'pothole', description: 'Глибока яма на проїжджій частині біля зупинки', source: 'web' });
  await screenshot(page, 'complaint-sent');

  // The observer never reloads: the live stream tells its map which tiles to refetch.
  await observer.waitForFunction((want) => {
    const map = (window as unknown as { __mistoMap: { queryRenderedFeatures(o: unknown): Array<{ properties: { id: number } }> } }).__mistoMap;
    return map.queryRenderedFeatures({ layers: ['misto-tickets-point'] }).some((f) => Number(f.properties.id) === want);
  }, id, { timeout: 10_000, polling: 50 });
  const latency = Date.now() - sentAt;
  console.log(`new ticket ${id} drawn on the second map ${latency} ms after the answer`);
  assert.ok(latency < 3000, `the second map drew the new ticket in ${latency} ms`);
  const drawn = await renderedFeatures(observer, ['misto-tickets-point']);
  assert.ok(drawn.some((f) => Number(f.properties.id) === id));
  await screenshot(observer, 'complaint-live-second-map');

  // Tracking by number.
  await page.click('a[href^="/track/"]');
  await page.waitForSelector('[data-testid="ticket-card"] [data-testid="ticket-number"]');
  assert.match((await page.locator('[data-testid="ticket-number"]').textContent()) ?? '', new RegExp(`${id}`));
  assert.ok(((await page.locator('[data-testid="ticket-history"] li').count())) >= 1);
  await screenshot(page, 'track');
  const other = await app.newPage();
  await other.goto(`${app.url}/track`);
  await other.fill('#track-number', String(id));
  await other.press('#track-number', 'Enter');
  await other.waitForSelector('[data-testid="ticket-number"]');
  assert.match((await other.locator('[data-testid="ticket-category"]').textContent()) ?? '', /Яма/);
  await Promise.all([observer.close(), page.close(), other.close()]);
});

test('bad input shows errors next to the fields in Ukrainian and keeps what was typed', async () => {
  const page = await app.newPage();
  await openForm(page);
  // Nothing chosen: the form says what is missing, field by field.
  await page.click('[data-testid="complaint-submit"]');
  assert.equal(await page.locator('[data-testid="error-place"]').textContent(), 'Позначте місце на мапі або вкажіть адресу.');
  assert.equal(await page.locator('[data-testid="error-complaint-category"]').textContent(), 'Оберіть категорію.');
  assert.equal(await page.locator('[data-testid="error-complaint-description"]').textContent(), 'Опишіть проблему.');

  // The server's own field errors (a malformed e-mail) come back next to the field, in Ukrainian.
  await clickMapAt(page, SPOT);
  await page.selectOption('#complaint-category', 'pothole');
  await page.fill('#complaint-description', 'Яма, опис зберігається');
  await page.click('.contacts summary');
  await page.fill('#complaint-email', 'not-an-email');
  await page.click('[data-testid="complaint-submit"]');
  await page.waitForSelector('[data-testid="error-complaint-email"]');
  assert.match((await page.locator('[data-testid="error-complaint-email"]').textContent()) ?? '', /електронної пошти/);
  assert.equal(await page.inputValue('#complaint-description'), 'Яма, опис зберігається');
  await screenshot(page, 'complaint-errors');

  // Offline: the send fails, the form says so, and everything typed is still there.
  await page.fill('#complaint-email', '');
  const before = Number((await app.db.sql<{ n: number }>('SELECT count(*) AS n FROM tickets'))[0]?.n);
  await page.context().setOffline(true);
  await page.click('[data-testid="complaint-submit"]');
  await page.waitForSelector('[data-testid="complaint-error"]');
  assert.match((await page.locator('[data-testid="complaint-error"]').textContent()) ?? '', /Немає зв’язку/);
  assert.equal(await page.inputValue('#complaint-description'), 'Яма, опис зберігається');
  assert.equal(await page.inputValue('#complaint-category'), 'pothole');
  await page.context().setOffline(false);
  await page.click('[data-testid="complaint-submit"]');
  await page.waitForSelector('[data-testid="complaint-number"]');
  const after = Number((await app.db.sql<{ n: number }>('SELECT count(*) AS n FROM tickets'))[0]?.n);
  assert.equal(after, before + 1, 'one ticket, not two');
  await page.close();
});

test('a lost connection shows a banner, and the live stream reconnects by itself', async () => {
  const page = await app.newPage();
  await page.goto(app.url + '/');
  await waitForMap(page);
  await page.waitForTimeout(500);
  await page.context().setOffline(true);
  await page.evaluate(() => window.dispatchEvent(new Event('offline')));
  await page.waitForSelector('[data-testid="live-banner"]', { timeout: 10_000 });
  await screenshot(page, 'live-banner');
  await page.context().setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForSelector('[data-testid="live-banner"]', { state: 'detached', timeout: 15_000 });
  await page.close();
});
