// The citizen's public map in real Chromium: tickets drawn from the tile service (clusters,
// then points), a ticket's card on click, the legend, filters and the OSM attribution.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowserApp, screenshot, waitForMap, renderedFeatures, jumpTo, type BrowserApp } from './harness.js';

let app: BrowserApp;
before(async () => { app = await startBrowserApp(); });
after(async () => { await app?.close(); });

/** The demo city's busiest spot: the open ticket with most open neighbours within 300 m. */
async function busiestTicket(): Promise<{ id: number; lon: number; lat: number }> {
  const [row] = await app.db.sql<{ id: number; lon: number; lat: number }>(`
    SELECT t.id, ST_X(t.location) AS lon, ST_Y(t.location) AS lat
    FROM tickets t
    WHERE t.status IN ('new', 'accepted', 'in_progress')
    ORDER BY (SELECT count(*) FROM tickets u WHERE ST_DWithin(u.location::geography, t.location::geography, 300)) DESC, t.id
    LIMIT 1`);
  assert.ok(row, 'the demo city has open tickets');
  return row;
}

test('the public map draws clusters at city zoom and ticket points when zoomed in', async () => {
  const page = await app.newPage();
  await page.goto(app.url + '/');
  await waitForMap(page);
  await jumpTo(page, [36.358, 50.035], 12.5);
  const clusters = await renderedFeatures(page, ['misto-tickets-cluster']);
  assert.ok(clusters.length > 0, 'clusters are drawn at z12.5');
  const total = clusters.reduce((n, f) => n + Number(f.properties.count), 0);
  assert.ok(total > 50, `the clusters count the demo city's tickets (${total})`);
  await page.waitForSelector('[data-testid="ticket-cluster"]');
  await screenshot(page, 'public-map-clusters');

  const t = await busiestTicket();
  await jumpTo(page, [t.lon, t.lat], 16);
  const points = await renderedFeatures(page, ['misto-tickets-point']);
  assert.ok(points.length > 0, 'ticket points are drawn at z16');
  const ids = points.map((p) => Number(p.properties.id));
  assert.ok(ids.includes(t.id), `ticket ${t.id} is among the drawn points`);
  for (const p of points) {
    assert.equal(typeof p.properties.category, 'string');
    assert.equal(typeof p.properties.status, 'string');
    assert.equal(p.properties.description, undefined, 'no description in a tile');
  }
  await screenshot(page, 'public-map');
  await page.close();
});

test('clicking a ticket opens its public card with category, status, deadline and executor', async () => {
  const page = await app.newPage();
  await page.goto(app.url + '/');
  await waitForMap(page);
  const t = await busiestTicket();
  await jumpTo(page, [t.lon, t.lat], 17);
  const point = await page.evaluate(([lon, lat]) => {
    const map = (window as unknown as { __mistoMap: { project(c: [number, number]): { x: number; y: number } } }).__mistoMap;
    return map.project([lon, lat]);
  }, [t.lon, t.lat] as const);
  const box = await page.locator('[data-testid="map"] canvas').boundingBox();
  assert.ok(box);
  await page.mouse.click(box.x + point.x, box.y + point.y);
  const card = page.locator('[data-testid="ticket-card"]');
  await card.waitFor();
  await page.waitForSelector('[data-testid="ticket-number"]');
  const number = await page.locator('[data-testid="ticket-number"]').textContent();
  assert.match(number ?? '', /№\s*\d+/);
  const [row] = await app.db.sql<{ name: string }>(
    `SELECT o.name FROM tickets t JOIN organisations o ON o.id = t.executor_id WHERE t.id = $id`, { id: Number(/\d+/.exec(number ?? '')?.[0]) });
  assert.equal((await page.locator('[data-testid="ticket-executor"]').textContent())?.trim(), row?.name);
  assert.ok(((await page.locator('[data-testid="ticket-status"]').textContent()) ?? '').length > 0);
  await screenshot(page, 'public-ticket-card');
  await page.close();
});

test('the legend, the filters and the OpenStreetMap attribution are on the page, and the map controls are labelled', async () => {
  const page = await app.newPage();
  await page.goto(app.url + '/');
  await waitForMap(page);
  await page.waitForSelector('[data-testid="legend"]');
  await page.waitForSelector('[data-testid="filters"]');
  const attribution = await page.locator('.maplibregl-ctrl-attrib').textContent();
  assert.match(attribution ?? '', /OpenStreetMap/);
  assert.equal(await page.getAttribute('.maplibregl-ctrl-zoom-in', 'aria-label'), 'Збільшити');
  // The English switch relabels the interface, map controls included.
  await page.click('[data-testid="lang-switch"]');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  // The map relabels its controls in an effect after the page's language changes.
  await page.waitForFunction(() => document.querySelector('.maplibregl-ctrl-zoom-in')?.getAttribute('aria-label') === 'Zoom in', null, { timeout: 20_000 });
  assert.equal(await page.locator('[data-testid="file-complaint"]').textContent().then((s) => s?.trim()), '+ File a complaint');
  await page.click('[data-testid="lang-switch"]');
  await page.close();
});

test('the status filter leaves only overdue points on the map', async () => {
  const page = await app.newPage();
  await page.goto(app.url + '/');
  await waitForMap(page);
  const t = await busiestTicket();
  await jumpTo(page, [t.lon, t.lat], 15);
  const before = await renderedFeatures(page, ['misto-tickets-point']);
  await page.selectOption('#filter-status', 'overdue');
  await page.waitForTimeout(300);
  await waitForMap(page);
  const after = await renderedFeatures(page, ['misto-tickets-point']);
  assert.ok(after.every((f) => f.properties.overdue === true), 'only overdue tickets remain');
  assert.ok(after.length < before.length, `fewer points (${before.length} → ${after.length})`);
  await page.close();
});

test('on a phone screen the map and the complaint button fit, and the panel scrolls below the map', async () => {
  const page = await app.newPage({ viewport: { width: 390, height: 844 }, mobile: true });
  await page.goto(app.url + '/');
  await waitForMap(page);
  const button = await page.locator('[data-testid="file-complaint"]').boundingBox();
  const map = await page.locator('[data-testid="map"]').boundingBox();
  assert.ok(button && map);
  assert.ok(button.width <= 390 && button.x >= 0, 'the button fits the screen width');
  assert.ok(map.width >= 380, 'the map takes the screen width');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'no sideways scrolling');
  await screenshot(page, 'public-map-phone');
  await page.close();
});
