// The executor's view in real Chromium on the demo city: its own tickets only, with live
// timers; accepting and completing a ticket with a comment and a photo link (a link the server
// refuses comes back next to the field, and nothing typed is lost); declining sends a ticket
// back to the contact centre. Every step is checked in the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startBrowserApp, screenshot, waitForMap, logIn, type BrowserApp } from './harness.js';
import { placeTicket } from '../../server/testing/factories/outages.js';

let app: BrowserApp;
let water: number;
before(async () => {
  app = await startBrowserApp();
  const [row] = await app.db.sql<{ id: number }>("SELECT id FROM organisations WHERE code = 'water'");
  water = row!.id;
});
after(async () => { await app?.close(); });

/** A new ticket for the water utility, registered a minute ago at a house in the demo city. */
async function newWaterTicket(description: string): Promise<number> {
  const [house] = await app.db.sql<{ id: number; lon: number; lat: number }>(
    'SELECT id, ST_X(point) AS lon, ST_Y(point) AS lat FROM addresses ORDER BY id OFFSET 40 LIMIT 1');
  return placeTicket(app.db, {
    categoryCode: 'water_leak', executorId: water, lon: house!.lon, lat: house!.lat, addressId: house!.id,
    createdAt: new Date(Date.now() - 60_000), description,
  });
}

async function executorPage(): Promise<Page> {
  const page = await app.newPage();
  await logIn(page, app.url, 'executor.water', 'misto-demo-executor.water');
  await page.goto(`${app.url}/executor`);
  await page.waitForSelector('[data-testid="executor-page"]');
  await waitForMap(page);
  return page;
}

async function ticketRow(id: number) {
  const [row] = await app.db.sql<{ status: string; executor_id: number; needs_routing: boolean; completion_note: string | null; completion_media_url: string | null; version: number }>(
    'SELECT status, executor_id, needs_routing, completion_note, completion_media_url, version FROM tickets WHERE id = $id', { id });
  return row!;
}

test('the executor sees only its own tickets, accepts one and completes it with a comment and a photo link', async () => {
  const id = await newWaterTicket('Б\'є вода з-під люка біля під\'їзду');
  const page = await executorPage();
  await page.waitForSelector(`[data-testid="queue-row"][data-id="${id}"]`);
  const shown = await page.locator('[data-testid="queue-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
  const foreign = await app.db.sql<{ id: number }>(
    'SELECT id FROM tickets WHERE executor_id <> $water AND id IN (SELECT jsonb_array_elements_text($ids::jsonb)::bigint)',
    { water, ids: JSON.stringify(shown) });
  assert.deepEqual(foreign, [], 'no other executor\'s ticket is in the list');
  // A new ticket shows both clocks: the acceptance window and the deadline.
  const row = page.locator(`[data-testid="queue-row"][data-id="${id}"]`);
  await row.locator('[data-testid="accept-timer"]').waitFor();
  await row.locator('[data-testid="deadline-timer"]').waitFor();
  await screenshot(page, 'executor-queue');

  await row.click();
  await page.waitForSelector('[data-testid="ticket-detail"] [data-testid="action-accepted"]');
  await page.click('[data-testid="action-accepted"]');
  await page.waitForSelector('[data-testid="detail-status"][data-status="accepted"]');
  assert.equal((await ticketRow(id)).status, 'accepted');
  await screenshot(page, 'executor-accepted');

  await page.click('[data-testid="action-done"]');
  await page.waitForSelector('[data-testid="action-form"]');
  // No report yet: the form asks for it, next to the field.
  await page.click('[data-testid="action-submit"]');
  assert.equal(await page.locator('[data-testid="error-action-note"]').textContent(), 'Опишіть, що зроблено.');
  await page.fill('#action-note', 'Замінено прокладку засувки, витік усунено');
  // A link the server refuses (a space in it): its message comes back next to the photo field.
  await page.fill('#action-media-url', 'https://photos.example.org/робота 1.jpg');
  await page.click('[data-testid="action-submit"]');
  await page.waitForSelector('[data-testid="error-action-media-url"]');
  assert.equal(await page.locator('[data-testid="error-action-media-url"]').textContent(), 'Потрібне посилання, що починається з http:// або https://.');
  assert.equal(await page.inputValue('#action-note'), 'Замінено прокладку засувки, витік усунено');
  assert.equal((await ticketRow(id)).status, 'accepted', 'a refused completion changes nothing');
  await screenshot(page, 'executor-complete-errors');

  await page.fill('#action-media-url', 'https://photos.example.org/robota-1.jpg');
  await page.click('[data-testid="action-submit"]');
  await page.waitForSelector('[data-testid="detail-status"][data-status="done"]');
  const done = await ticketRow(id);
  assert.equal(done.status, 'done');
  assert.equal(done.completion_note, 'Замінено прокладку засувки, витік усунено');
  assert.equal(done.completion_media_url, 'https://photos.example.org/robota-1.jpg');
  await page.waitForSelector('[data-testid="detail-completion"]');
  const [events] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $id', { id });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="detail-events"] li').length === n, events!.n);
  await screenshot(page, 'executor-done');
  await page.close();
});

test('declining a ticket ("not ours") sends it back to the contact centre for routing', async () => {
  const id = await newWaterTicket('Не працює колонка у дворі');
  const page = await executorPage();
  await page.locator(`[data-testid="queue-row"][data-id="${id}"]`).click();
  await page.waitForSelector('[data-testid="action-decline"]');
  await page.click('[data-testid="action-decline"]');
  await page.click('[data-testid="action-submit"]');
  assert.equal(await page.locator('[data-testid="error-action-reason"]').textContent(), 'Вкажіть причину.');
  await page.fill('#action-reason', 'Колонка на балансі ЖЕД, не водоканалу');
  await page.click('[data-testid="action-submit"]');
  // The ticket is no longer this executor's: back to the list, where it is gone.
  await page.waitForSelector('[data-testid="executor-queue"]');
  await page.waitForFunction((ticket) => !document.querySelector(`[data-testid="queue-row"][data-id="${ticket}"]`), id);
  assert.match((await page.locator('[data-testid="executor-notice"]').textContent()) ?? '', new RegExp(`№ ${id} повернуто до контакт-центру`));
  const after = await ticketRow(id);
  const [centre] = await app.db.sql<{ id: number }>("SELECT id FROM organisations WHERE code = 'contact-centre'");
  assert.equal(after.executor_id, centre!.id);
  assert.equal(after.needs_routing, true);
  assert.equal(after.status, 'new');
  await screenshot(page, 'executor-declined');
  await page.close();
});
