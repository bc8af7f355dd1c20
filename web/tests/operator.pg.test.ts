// The operator console in real Chromium on the demo city: the address card reads out the
// telephonogram of an active outage; a ticket filed from the card shows its routing, deadline and
// the outage that explains it, keeps what was typed through a refused submit, and lands in the
// database; the queue's timers tick and show overdue in red; a drawn outage zone shows its
// address count and saving it attaches that many telephonograms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startBrowserApp, screenshot, waitForMap, jumpTo, logIn, type BrowserApp } from './harness.js';
import { placeTicket } from '../../server/testing/factories/outages.js';

let app: BrowserApp;
before(async () => { app = await startBrowserApp(); });
after(async () => { await app?.close(); });

interface Target { address_id: number; label: string; text: string; outage_id: number; lon: number; lat: number }

/** An address inside the demo city's active water outage, with its live telephonogram. */
async function addressInWaterOutage(): Promise<Target> {
  const [row] = await app.db.sql<Target>(
    `SELECT t.address_id, a.label, t.text, o.id AS outage_id, ST_X(a.point) AS lon, ST_Y(a.point) AS lat
     FROM telephonograms t
     JOIN outages o ON o.id = t.outage_id
     JOIN addresses a ON a.id = t.address_id
     WHERE o.status = 'active' AND o.utility = 'water' AND t.withdrawn_at IS NULL
     ORDER BY a.id LIMIT 1`);
  assert.ok(row, 'the demo city has an active water outage with telephonograms');
  return row;
}

async function operatorPage(): Promise<Page> {
  const page = await app.newPage();
  await logIn(page, app.url, 'operator', 'misto-demo-operator');
  await page.goto(`${app.url}/operator`);
  await page.waitForSelector('[data-testid="operator-page"]');
  await waitForMap(page);
  return page;
}

async function openCard(page: Page, label: string) {
  await page.fill('[data-testid="operator-address-input"]', label);
  const option = page.locator('[data-testid="address-option"]', { hasText: label }).first();
  await option.waitFor();
  await option.dispatchEvent('mousedown');
  await page.waitForSelector('[data-testid="address-card"]');
  assert.equal((await page.locator('[data-testid="card-address"]').textContent())?.trim(), label);
}

async function clickMapAt(page: Page, x: number, y: number) {
  const box = await page.locator('[data-testid="map"] canvas').boundingBox();
  assert.ok(box);
  await page.mouse.click(box.x + x, box.y + y);
}

test('the address card of an address inside an active outage shows its telephonogram to read out', async () => {
  const target = await addressInWaterOutage();
  const page = await operatorPage();
  await openCard(page, target.label);
  const telephonogram = page.locator('[data-testid="card-outage"] [data-testid="telephonogram"]').first();
  await telephonogram.waitFor();
  assert.equal((await telephonogram.textContent())?.trim(), target.text);
  // Read-out text is the first thing on the card, marked as such.
  assert.match((await page.locator('[data-testid="card-outage"]').first().textContent()) ?? '', /Прочитайте абоненту/);
  // The map is centred on the address.
  await page.waitForFunction(([lon, lat]) => {
    const c = (window as unknown as { __mistoMap: { getCenter(): { lng: number; lat: number }; isMoving(): boolean } }).__mistoMap;
    return !c.isMoving() && Math.abs(c.getCenter().lng - lon) < 0.0005 && Math.abs(c.getCenter().lat - lat) < 0.0005;
  }, [target.lon, target.lat] as const, { timeout: 5000 });
  await waitForMap(page);
  await screenshot(page, 'operator-address-card');
  // In English the card reads the same telephonogram (the text is the city's), under English labels.
  await page.click('[data-testid="lang-switch"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="card-outage"]')?.textContent?.includes('Read out to the caller'));
  assert.equal((await telephonogram.textContent())?.trim(), target.text);
  assert.equal(await page.locator('[data-testid="tab-queue"]').textContent(), 'Ticket queue');
  await screenshot(page, 'operator-address-card-en');
  await page.click('[data-testid="lang-switch"]');
  await page.close();
});

test('the operator files a ticket from the card: routing, deadline and the explaining outage first; a refused submit keeps every field', async () => {
  const target = await addressInWaterOutage();
  const page = await operatorPage();
  await openCard(page, target.label);
  await page.click('[data-testid="new-ticket-open"]');
  await page.waitForSelector('[data-testid="new-ticket"]');

  // Nothing chosen: the form says what is missing, next to the field.
  await page.click('[data-testid="new-ticket-submit"]');
  assert.equal(await page.locator('[data-testid="error-nt-category"]').textContent(), 'Оберіть категорію.');

  await page.selectOption('#nt-category', 'no_cold_water');
  await page.waitForSelector('[data-testid="explained-by-outage"]');
  assert.match((await page.locator('[data-testid="explained-by-outage"]').textContent()) ?? '', /відключенням/);
  await page.waitForSelector('[data-testid="preview-executor"]');
  assert.match((await page.locator('[data-testid="preview-executor"]').textContent()) ?? '', /водоканал/i);
  assert.match((await page.locator('[data-testid="preview-deadline"]').textContent()) ?? '', /\d{2}\.\d{2}\.\d{4}/);
  await page.waitForSelector('#nt-attr-scope');
  await page.selectOption('#nt-attr-scope', 'building');
  await page.fill('#nt-description', 'Немає холодної води в усьому будинку з ранку');
  await page.fill('#nt-first-name', 'Олена');
  // A phone the server refuses: its message comes back next to the phone field, in Ukrainian.
  await page.fill('#nt-phone', 'дзвонити ввечері');
  await page.click('[data-testid="new-ticket-submit"]');
  await page.waitForSelector('[data-testid="error-nt-phone"]');
  assert.match((await page.locator('[data-testid="error-nt-phone"]').textContent()) ?? '', /номер телефону/);
  assert.equal(await page.inputValue('#nt-description'), 'Немає холодної води в усьому будинку з ранку');
  assert.equal(await page.inputValue('#nt-first-name'), 'Олена');
  assert.equal(await page.inputValue('#nt-attr-scope'), 'building');
  assert.equal(await page.inputValue('#nt-category'), 'no_cold_water');
  await screenshot(page, 'operator-new-ticket-errors');

  await page.fill('#nt-phone', '+380 50 123 45 67');
  await page.locator('[data-testid="new-ticket"]').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await screenshot(page, 'operator-new-ticket');
  await page.click('[data-testid="new-ticket-submit"]');
  await page.waitForSelector('[data-testid="created-number"]');
  const id = Number(/\d+/.exec((await page.locator('[data-testid="created-number"]').textContent()) ?? '')?.[0]);
  const [row] = await app.db.sql<{ source: string; address_id: number; category_code: string; outage_id: number | null; description: string; phone: string | null; first_name: string | null; scope: string }>(
    `SELECT t.source, t.address_id, t.category_code, t.outage_id, t.description, c.phone, c.first_name, t.attributes->>'scope' AS scope
     FROM tickets t LEFT JOIN ticket_contacts c ON c.ticket_id = t.id WHERE t.id = $id`, { id });
  assert.deepEqual(row, {
    source: 'operator', address_id: target.address_id, category_code: 'no_cold_water', outage_id: target.outage_id,
    description: 'Немає холодної води в усьому будинку з ранку', phone: '+380 50 123 45 67', first_name: 'Олена', scope: 'building',
  });
  await screenshot(page, 'operator-ticket-created');

  // The new ticket opens with its history.
  await page.click('[data-testid="created-open"]');
  await page.waitForSelector('[data-testid="ticket-detail"] [data-testid="detail-number"]');
  assert.match((await page.locator('[data-testid="detail-number"]').textContent()) ?? '', new RegExp(`${id}`));
  const events = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $id', { id });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="detail-events"] li').length === n, events[0]!.n);
  await page.close();
});

test('the queue ticks its deadline timers, shows overdue in red and filters by executor; a ticket opens with its events and moves', async () => {
  // A ticket registered a moment ago: a day to go, counted down by the second.
  const [water] = await app.db.sql<{ id: number }>("SELECT id FROM organisations WHERE code = 'water'");
  const fresh = await placeTicket(app.db, { categoryCode: 'water_leak', executorId: water!.id, lon: 36.358, lat: 50.035, createdAt: new Date(), description: 'Тече вода з-під асфальту' });
  const page = await operatorPage();
  await page.click('[data-testid="tab-queue"]');
  await page.waitForSelector('[data-testid="queue-row"]');
  const freshTimer = page.locator(`[data-testid="queue-row"][data-id="${fresh}"] [data-testid="deadline-timer"]`);
  await freshTimer.waitFor();
  assert.equal(await freshTimer.getAttribute('data-overdue'), 'false');
  const left = await freshTimer.textContent();
  assert.match(left ?? '', /23:59:\d\d/);
  await page.waitForTimeout(1300);
  assert.notEqual(await freshTimer.textContent(), left, 'the timer ticks');

  await page.check('[data-testid="filter-overdue"]');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="queue-row"]')];
    return rows.length > 0 && rows.every((r) => r.getAttribute('data-overdue') === 'true');
  });
  const timer = page.locator('[data-testid="queue-row"] [data-testid="deadline-timer"]').first();
  assert.equal(await timer.getAttribute('data-overdue'), 'true');
  const red = await timer.locator('.value').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(red, 'rgb(198, 40, 40)');
  const overdueIds = await page.locator('[data-testid="queue-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
  const stillOpen = await app.db.sql<{ id: number }>(
    `SELECT t.id FROM tickets t JOIN ticket_statuses s ON s.code = t.status
     WHERE s.is_open AND t.status <> 'done' AND t.due_at < now() AND t.id IN (SELECT jsonb_array_elements_text($ids::jsonb)::bigint)`,
    { ids: JSON.stringify(overdueIds) });
  assert.equal(stillOpen.length, overdueIds.length, 'every row shown as overdue is overdue in the database');
  await screenshot(page, 'operator-queue-overdue');

  await page.uncheck('[data-testid="filter-overdue"]');
  const waterOpen = (await app.db.sql<{ id: number }>(
    "SELECT id FROM tickets WHERE executor_id = $water AND status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened')",
    { water: water!.id })).map((r) => Number(r.id));
  await page.selectOption('[data-testid="filter-executor"]', String(water!.id));
  // The list holds exactly the water utility's open tickets once the filtered answer is in.
  await page.waitForFunction((want) => {
    const shown = [...document.querySelectorAll('[data-testid="queue-row"]')].map((r) => Number(r.getAttribute('data-id'))).sort((a, b) => a - b);
    return JSON.stringify(shown) === JSON.stringify([...want].sort((a, b) => a - b));
  }, waterOpen);
  const ids = await page.locator('[data-testid="queue-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));

  await page.locator('[data-testid="queue-row"]').first().click();
  await page.waitForSelector('[data-testid="ticket-detail"] [data-testid="detail-status"]');
  const id = ids[0]!;
  const [count] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $id', { id });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="detail-events"] li').length === n, count!.n);
  await screenshot(page, 'operator-ticket-detail');
  await page.close();
});

test('drawing an outage zone shows the count of affected addresses, and saving it attaches that many telephonograms', async () => {
  const page = await operatorPage();
  // A quiet block: an address outside every live outage, and the houses around it.
  const [spot] = await app.db.sql<{ lon: number; lat: number }>(
    `SELECT ST_X(a.point) AS lon, ST_Y(a.point) AS lat FROM addresses a
     WHERE NOT EXISTS (SELECT 1 FROM outages o WHERE o.status IN ('scheduled', 'active') AND ST_DWithin(o.zone::geography, a.point::geography, 300))
       AND (SELECT count(*) FROM addresses b WHERE ST_DWithin(b.point::geography, a.point::geography, 60)) >= 6
     ORDER BY a.id LIMIT 1`);
  assert.ok(spot, 'the demo city has a quiet block');
  await page.click('[data-testid="tab-outage"]');
  await page.waitForSelector('[data-testid="outage-form"]');
  await jumpTo(page, [spot.lon, spot.lat], 17);

  const box = await page.locator('[data-testid="map"] canvas').boundingBox();
  assert.ok(box);
  const cx = box.width / 2;
  const cy = box.height / 2;
  const corners: Array<[number, number]> = [[cx - 120, cy - 100], [cx + 120, cy - 110], [cx + 130, cy + 100], [cx - 110, cy + 110]];
  for (const [x, y] of corners) await clickMapAt(page, x, y);
  // A click on the first corner closes the outline.
  await clickMapAt(page, corners[0]![0], corners[0]![1]);
  await page.waitForSelector('[data-testid="outage-count"]');
  assert.match((await page.locator('[data-testid="polygon-corners"]').textContent()) ?? '', /4/);
  const shown = Number(await page.locator('[data-testid="outage-count"]').getAttribute('data-count'));
  assert.ok(shown > 0, `the zone covers addresses (${shown})`);
  assert.match((await page.locator('[data-testid="outage-count"]').textContent()) ?? '', new RegExp(`Адрес у зоні: ${shown}`));
  await page.waitForFunction(() => {
    const map = (window as unknown as { __mistoMap: { querySourceFeatures(id: string): unknown[] } }).__mistoMap;
    return map.querySourceFeatures('misto-outage-zone').length > 0;
  });

  // Nothing but the zone given yet: the text is missing, and the form says so next to it.
  await page.selectOption('#outage-utility', 'water');
  await page.selectOption('#outage-kind', 'emergency');
  await page.click('[data-testid="outage-submit"]');
  await page.waitForSelector('[data-testid="error-outage-text"]');
  assert.equal(await page.locator('[data-testid="error-outage-text"]').textContent(), 'Напишіть текст, який прочитають абонентам.');
  // The server's own refusal (an end before the start) comes back next to the end field; the drawing and the rest stay.
  const startsAt = await page.inputValue('#outage-starts');
  await page.fill('#outage-ends', startsAt.replace(/T\d{2}:\d{2}$/, 'T00:00'));
  await page.fill('#outage-starts', startsAt.replace(/T\d{2}:\d{2}$/, 'T23:59'));
  await page.fill('#outage-text', 'Аварійне відключення холодної води: пошкодження вводу. Бригада на місці.');
  await page.click('[data-testid="outage-submit"]');
  await page.waitForSelector('[data-testid="error-outage-ends"]');
  assert.equal(await page.locator('[data-testid="error-outage-ends"]').textContent(), 'Завершення має бути пізніше за початок.');
  assert.equal(await page.inputValue('#outage-text'), 'Аварійне відключення холодної води: пошкодження вводу. Бригада на місці.');
  assert.equal(Number(await page.locator('[data-testid="outage-count"]').getAttribute('data-count')), shown);
  await screenshot(page, 'operator-outage-errors');

  await page.fill('#outage-starts', startsAt);
  await page.fill('#outage-ends', '');
  await screenshot(page, 'operator-outage-drawn');
  await page.click('[data-testid="outage-submit"]');
  await page.waitForSelector('[data-testid="outage-saved"]');
  const savedText = (await page.locator('[data-testid="outage-saved"]').textContent()) ?? '';
  const id = Number(/№ (\d+)/.exec(savedText)?.[1]);
  assert.ok(id > 0, savedText);
  const [db] = await app.db.sql<{ in_zone: number; telephonograms: number; utility: string; kind: string; zone_source: string; executor: string }>(
    `SELECT (SELECT count(*)::int FROM addresses a WHERE ST_Intersects(o.zone, a.point)) AS in_zone,
            (SELECT count(*)::int FROM telephonograms t WHERE t.outage_id = o.id AND t.withdrawn_at IS NULL) AS telephonograms,
            o.utility, o.kind, o.zone_source, e.code AS executor
     FROM outages o JOIN organisations e ON e.id = o.executor_id WHERE o.id = $id`, { id });
  assert.deepEqual(db, { in_zone: shown, telephonograms: shown, utility: 'water', kind: 'emergency', zone_source: 'polygon', executor: 'water' });
  assert.match(savedText, new RegExp(`Телефонограм надіслано: ${shown}`));
  await screenshot(page, 'operator-outage-saved');
  await page.close();
});

test('a network line with a buffer, and a street\'s house range, count their addresses before saving and attach as many telephonograms', async () => {
  const page = await operatorPage();
  // The line: a water main the map draws, clicked in its middle.
  const [line] = await app.db.sql<{ id: number; lon: number; lat: number }>(
    `SELECT o.id, ST_X(ST_LineInterpolatePoint(o.geom, 0.5)) AS lon, ST_Y(ST_LineInterpolatePoint(o.geom, 0.5)) AS lat
     FROM objects o WHERE o.kind = 'water_line' AND GeometryType(o.geom) = 'LINESTRING' AND ST_Length(o.geom::geography) > 150
     ORDER BY o.id LIMIT 1`);
  assert.ok(line, 'the demo city has a water main');
  await page.click('[data-testid="tab-outage"]');
  await page.click('[data-testid="zone-mode-line"]');
  await jumpTo(page, [line.lon, line.lat], 17);
  const box = await page.locator('[data-testid="map"] canvas').boundingBox();
  assert.ok(box);
  await clickMapAt(page, box.width / 2, box.height / 2);
  await page.waitForFunction((id) => document.querySelector('[data-testid="line-picked"]')?.textContent?.includes(`№ ${id}`), line.id);
  await page.fill('#outage-buffer', '45');
  await page.waitForFunction(() => document.querySelector('[data-testid="outage-count"]'));
  const lineCount = Number(await page.locator('[data-testid="outage-count"]').getAttribute('data-count'));
  await page.click('button:has-text("Заповнити за шаблоном")');
  await screenshot(page, 'operator-outage-line');
  await page.click('[data-testid="outage-submit"]');
  await page.waitForSelector('[data-testid="outage-saved"]');
  const lineOutage = Number(/№ (\d+)/.exec((await page.locator('[data-testid="outage-saved"]').textContent()) ?? '')?.[1]);
  const [savedLine] = await app.db.sql<{ zone_source: string; source_object_id: number; buffer_m: number; telephonograms: number }>(
    `SELECT o.zone_source, o.source_object_id, o.buffer_m::float8 AS buffer_m,
            (SELECT count(*)::int FROM telephonograms t WHERE t.outage_id = o.id AND t.withdrawn_at IS NULL) AS telephonograms
     FROM outages o WHERE o.id = $id`, { id: lineOutage });
  assert.deepEqual(savedLine, { zone_source: 'line', source_object_id: line.id, buffer_m: 45, telephonograms: lineCount });

  // The street: the one of the address card open a moment ago, houses 1 to 20.
  await page.click('[data-testid="outage-another"]');
  const [house] = await app.db.sql<{ label: string; street_id: number; street: string }>(
    `SELECT a.label, a.street_id, s.name AS street FROM addresses a JOIN streets s ON s.id = a.street_id
     WHERE (SELECT count(*) FROM addresses b WHERE b.street_id = a.street_id AND b.house_int BETWEEN 1 AND 20) >= 3
     ORDER BY a.id LIMIT 1`);
  assert.ok(house);
  await page.click('[data-testid="tab-address"]');
  await openCard(page, house.label);
  await page.click('[data-testid="tab-outage"]');
  await page.click('[data-testid="zone-mode-street"]');
  await page.waitForFunction((name) => document.querySelector('[data-testid="street-picked"]')?.textContent === name, house.street);
  await page.fill('#outage-house-from', '1');
  await page.fill('#outage-house-to', '20');
  const [expected] = await app.db.sql<{ n: number }>(
    'SELECT count(*)::int AS n FROM addresses WHERE street_id = $street AND house_int BETWEEN 1 AND 20', { street: house.street_id });
  await page.waitForFunction((n) => document.querySelector('[data-testid="outage-count"]')?.getAttribute('data-count') === String(n), expected!.n);
  await page.selectOption('#outage-utility', 'power');
  await page.selectOption('#outage-kind', 'planned');
  await page.click('button:has-text("Заповнити за шаблоном")');
  await screenshot(page, 'operator-outage-street');
  await page.click('[data-testid="outage-submit"]');
  await page.waitForSelector('[data-testid="outage-saved"]');
  const streetOutage = Number(/№ (\d+)/.exec((await page.locator('[data-testid="outage-saved"]').textContent()) ?? '')?.[1]);
  const [savedStreet] = await app.db.sql<{ zone_source: string; street_id: number; house_from: number; house_to: number; utility: string; executor: string; telephonograms: number }>(
    `SELECT o.zone_source, o.street_id, o.house_from, o.house_to, o.utility, e.code AS executor,
            (SELECT count(*)::int FROM telephonograms t WHERE t.outage_id = o.id AND t.withdrawn_at IS NULL) AS telephonograms
     FROM outages o JOIN organisations e ON e.id = o.executor_id WHERE o.id = $id`, { id: streetOutage });
  assert.deepEqual(savedStreet, { zone_source: 'street_range', street_id: house.street_id, house_from: 1, house_to: 20, utility: 'power', executor: 'power', telephonograms: expected!.n });
  await page.close();
});
