// The inspector in real Chromium against the demo city: a click on an object shows its owner and
// who answers for it (checked against the database); a claim makes the object disputed and a
// resolution settles it, all through the page; the ownerless register as a list, a map layer
// and a CSV export; recording an object whose owner is unknown as ownerless.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startBrowserApp, screenshot, waitForMap, renderedFeatures, jumpTo, logIn, type BrowserApp } from './harness.js';
import { demoPassword } from '../../fixtures/definitions.js';
import { CITY_DEPARTMENT } from '../../server/ownership/responsible.js';

let app: BrowserApp;
before(async () => { app = await startBrowserApp(); });
after(async () => { await app?.close(); });

interface PointObject { id: number; lon: number; lat: number }

/** A point object of the demo city in `status`, with no other point object within 4 m (so a click finds it first). */
async function loneObject(status: string, extra = 'true'): Promise<PointObject> {
  const [row] = await app.db.sql<PointObject>(`
    SELECT o.id, ST_X(o.geom) AS lon, ST_Y(o.geom) AS lat
    FROM objects o
    WHERE o.ownership_status = $status AND GeometryType(o.geom) = 'POINT' AND ${extra}
      AND NOT EXISTS (SELECT 1 FROM objects n WHERE n.id <> o.id AND GeometryType(n.geom) = 'POINT'
                      AND ST_DWithin(n.geom::geography, o.geom::geography, 4))
    ORDER BY o.id
    LIMIT 1`, { status });
  assert.ok(row, `the demo city has a lone ${status} point object`);
  return row;
}

async function openInspector(): Promise<Page> {
  const page = await app.newPage();
  await logIn(page, app.url, 'inspector', demoPassword('inspector'));
  await page.goto(app.url + '/inspector');
  await page.waitForSelector('[data-testid="inspector-page"]');
  await waitForMap(page);
  return page;
}

/** Brings `o` into view, checks the map drew it, and clicks it. */
async function clickObject(page: Page, o: PointObject) {
  await jumpTo(page, [o.lon, o.lat], 18);
  const drawn = await renderedFeatures(page, ['misto-objects-point']);
  assert.ok(drawn.some((f) => Number(f.properties.id) === o.id), `object ${o.id} is drawn on the map`);
  const at = await page.evaluate((c) => (window as unknown as { __mistoMap: { project(c: [number, number]): { x: number; y: number } } }).__mistoMap.project(c), [o.lon, o.lat] as [number, number]);
  const box = await page.locator('[data-testid="map"] canvas').boundingBox();
  assert.ok(box);
  await page.mouse.click(box.x + at.x, box.y + at.y);
  await page.waitForSelector(`[data-testid="lookup-object"][data-object-id="${o.id}"]`);
}

async function openCard(page: Page, id: number) {
  await page.click(`[data-testid="lookup-object"][data-object-id="${id}"] [data-testid="object-details"]`);
  await page.waitForSelector(`[data-testid="object-card"][data-object-id="${id}"] [data-testid="detail-claims"]`);
}

async function objectStatus(id: number): Promise<string> {
  const [row] = await app.db.sql<{ ownership_status: string }>('SELECT ownership_status FROM objects WHERE id = $id', { id });
  return row!.ownership_status;
}

test('clicking an object on the map shows it first in the lookup, with its owner, balance holder and responsible party from the database', async () => {
  const o = await loneObject('owned', 'o.balance_holder_id IS NOT NULL');
  const [truth] = await app.db.sql<{ owner: string; holder: string; responsible: string }>(`
    SELECT ow.name AS owner, bh.name AS holder, ro.name AS responsible
    FROM objects o
    JOIN organisations ow ON ow.id = o.owner_id
    JOIN organisations bh ON bh.id = o.balance_holder_id
    CROSS JOIN LATERAL misto_responsible_party(o.id, $city) rp
    JOIN organisations ro ON ro.id = rp.organisation_id
    WHERE o.id = $id`, { id: o.id, city: CITY_DEPARTMENT });
  assert.ok(truth);
  const page = await openInspector();
  await clickObject(page, o);

  const first = page.locator('[data-testid="lookup-object"]').first();
  assert.equal(await first.getAttribute('data-object-id'), String(o.id), 'the clicked object is listed first (nearest)');
  assert.equal((await first.locator('[data-testid="object-owner"]').textContent())?.trim(), truth.owner);
  assert.equal((await first.locator('[data-testid="object-holder"]').textContent())?.trim(), truth.holder);
  assert.equal((await first.locator('[data-testid="object-responsible"]').textContent())?.trim(), truth.responsible);
  assert.match((await first.locator('[data-testid="object-why"]').textContent()) ?? '', new RegExp(truth.owner.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  // Every point object within the lookup's 25 m of the clicked spot is listed.
  const shown = (await page.locator('[data-testid="lookup-objects"] [data-testid="lookup-object"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-object-id')))));
  const heading = (await page.locator('#lookup-title').textContent()) ?? '';
  const [lat, lon] = (/(-?\d+\.\d+),\s*(-?\d+\.\d+)/.exec(heading) ?? []).slice(1).map(Number) as [number, number];
  const near = await app.db.sql<{ id: number }>(`
    SELECT id FROM objects
    WHERE GeometryType(geom) = 'POINT'
      AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($lon, $lat), 4326)::geography, 25)
    ORDER BY ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($lon, $lat), 4326)::geography), id`, { lon, lat });
  assert.ok(Math.abs(lon - o.lon) < 1e-4 && Math.abs(lat - o.lat) < 1e-4, 'the lookup is at the clicked spot');
  assert.deepEqual(new Set(shown), new Set(near.map((r) => r.id)), 'the objects listed are those within 25 m');
  await screenshot(page, 'inspector-lookup');

  await openCard(page, o.id);
  assert.equal((await page.locator('[data-testid="detail-owner"]').textContent())?.trim(), truth.owner);
  assert.equal(await page.locator('[data-testid="object-card"] [data-testid="ownership-status"]').getAttribute('data-status'), 'owned');
  await page.close();
});

test('a claim filed through the page makes the object disputed, and a resolution with a reason settles it', async () => {
  const o = await loneObject('owned', 'NOT EXISTS (SELECT 1 FROM ownership_claims c WHERE c.object_id = o.id) AND o.balance_holder_id = o.owner_id');
  const [rival] = await app.db.sql<{ id: number; name: string }>(`
    SELECT g.id, g.name FROM organisations g
    WHERE g.id <> (SELECT owner_id FROM objects WHERE id = $id) AND g.kind = 'utility'
    ORDER BY g.id LIMIT 1`, { id: o.id });
  assert.ok(rival);
  const page = await openInspector();
  await clickObject(page, o);
  await openCard(page, o.id);

  await page.click('[data-testid="action-claim"]');
  await page.waitForSelector('[data-testid="claim-form"] #claim-organisation option:nth-child(3)', { state: 'attached' });
  // Sending without an organisation or evidence: the errors sit next to the fields and nothing is filed.
  await page.click('[data-testid="claim-submit"]');
  await page.waitForSelector('[data-testid="error-claim-organisation"]');
  await page.waitForSelector('[data-testid="error-claim-evidence-ref"]');
  const [before] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM ownership_claims WHERE object_id = $id', { id: o.id });
  assert.equal(before!.n, 0);

  await page.selectOption('#claim-organisation', String(rival.id));
  await page.check('input[name="claim-kind"][value="ours"]');
  await page.selectOption('#claim-role', 'owner');
  await page.fill('#claim-evidence-ref', 'Витяг з реєстру основних засобів № 4242');
  await page.click('[data-testid="claim-submit"]');
  await page.waitForSelector('[data-testid="object-message"]');
  await page.waitForSelector('[data-testid="object-card"] [data-testid="ownership-status"][data-status="disputed"]');
  assert.equal(await objectStatus(o.id), 'disputed', 'the database has the object disputed');
  const [claim] = await app.db.sql<{ id: number; claim: string; resolved_at: Date | null; evidence_ref: string }>(
    'SELECT id, claim, resolved_at, evidence_ref FROM ownership_claims WHERE object_id = $id AND organisation_id = $org', { id: o.id, org: rival.id });
  assert.ok(claim);
  assert.equal(claim.claim, 'ours');
  assert.equal(claim.resolved_at, null);
  assert.equal(claim.evidence_ref, 'Витяг з реєстру основних засобів № 4242');
  assert.match((await page.locator('[data-testid="detail-why"]').textContent()) ?? '', new RegExp(rival.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await screenshot(page, 'inspector-claim-disputed');

  // A decision without a reason is refused next to the field; the choice already made stays.
  const item = page.locator(`[data-testid="claim"][data-claim-id="${claim.id}"]`);
  await item.locator('[data-testid="claim-resolve"]').click();
  await item.locator('[data-testid="resolve-reject"]').check();
  await item.locator('[data-testid="resolve-submit"]').click();
  await page.waitForSelector(`[data-testid="error-resolve-reason-${claim.id}"]`);
  assert.equal(await item.locator('[data-testid="resolve-reject"]').isChecked(), true);
  assert.equal(await objectStatus(o.id), 'disputed');

  await item.locator('[data-testid="resolve-reason"]').fill('Документи не підтверджують право власності');
  await item.locator('[data-testid="resolve-submit"]').click();
  await page.waitForSelector(`[data-testid="claim"][data-claim-id="${claim.id}"][data-resolution="rejected"]`);
  await page.waitForSelector('[data-testid="object-card"] [data-testid="ownership-status"][data-status="owned"]');
  assert.equal(await objectStatus(o.id), 'owned', 'the resolution settled the dispute in the database');
  const [settled] = await app.db.sql<{ resolution: string; resolution_reason: string }>('SELECT resolution, resolution_reason FROM ownership_claims WHERE id = $id', { id: claim.id });
  assert.deepEqual(settled, { resolution: 'rejected', resolution_reason: 'Документи не підтверджують право власності' });
  await screenshot(page, 'inspector-claim-resolved');

  // The claims list knows the decision.
  await page.click('[data-testid="tab-claims"]');
  await page.click('text=' + (await page.locator('[data-testid="claims-list"] .seg label').nth(1).textContent())!.trim());
  await page.waitForSelector(`[data-testid="claims-object"][data-object-id="${o.id}"]`);
  await page.close();
});

test('the ownerless register lists every record with its stage, flags the ones whose year has passed, draws them on the map and exports CSV', async () => {
  const [counts] = await app.db.sql<{ total: number; passed: number }>(`
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE eligible_from <= (now() AT TIME ZONE 'UTC')::date AND stage NOT IN ('transferred', 'owner_found'))::int AS passed
    FROM ownerless_records`);
  assert.ok(counts && counts.total > 0 && counts.passed > 0, 'the demo city has records, some a year old');
  const page = await openInspector();
  await page.click('[data-testid="tab-register"]');
  await page.waitForSelector('[data-testid="register-entry"]');
  assert.equal(await page.locator('[data-testid="register-entry"]').count(), counts.total);
  assert.equal(await page.locator('[data-testid="register-entry"][data-year-passed="true"]').count(), counts.passed);
  assert.match((await page.locator('[data-testid="register-total"]').textContent()) ?? '', new RegExp(`\\b${counts.total}\\b`));

  const stages = await page.locator('[data-testid="register-entry"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-record-id'))));
  const byStage = await app.db.sql<{ id: number; stage: string }>('SELECT id, stage FROM ownerless_records');
  assert.deepEqual(new Set(stages), new Set(byStage.map((r) => r.id)));

  await page.click('[data-testid="register-only-passed"]');
  assert.equal(await page.locator('[data-testid="register-entry"]').count(), counts.passed);
  const [point] = await app.db.sql<{ object_id: number }>(`
    SELECT r.object_id FROM ownerless_records r JOIN objects o ON o.id = r.object_id
    WHERE r.eligible_from <= (now() AT TIME ZONE 'UTC')::date AND r.stage NOT IN ('transferred', 'owner_found') AND GeometryType(o.geom) = 'POINT'
    ORDER BY r.id LIMIT 1`);
  assert.ok(point, 'a point object whose year has passed');
  const objectId = point.object_id;
  await page.click(`[data-testid="register-entry"][data-object-id="${objectId}"]`);
  await page.waitForSelector(`[data-testid="object-card"][data-object-id="${objectId}"] [data-testid="detail-record"]`);
  const [record] = await app.db.sql<{ stage: string }>('SELECT stage FROM ownerless_records WHERE object_id = $id', { id: objectId });
  assert.equal(await page.locator('[data-testid="detail-stage"]').getAttribute('data-stage'), record!.stage);
  await page.waitForTimeout(700);
  await waitForMap(page);
  const rings = await renderedFeatures(page, ['misto-ownerless-ring', 'misto-ownerless-passed', 'misto-ownerless-line']);
  assert.ok(rings.some((f) => Number(f.properties.object_id) === objectId), 'the register layer draws the record');
  assert.ok(rings.some((f) => f.layer === 'misto-ownerless-passed'), 'a record whose year has passed gets the second ring');
  await screenshot(page, 'inspector-register-object');

  await page.click('[data-testid="object-back"]');
  await page.click('[data-testid="register-only-passed"]');
  await screenshot(page, 'inspector-register');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="register-csv"]')]);
  const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
  const lines = csv.trim().split(/\r\n/);
  assert.match(lines[0]!, /^id,object_id,kind/);
  assert.equal(lines.length - 1, counts.total, 'one CSV line per record');
  await page.close();
});

test('an object whose owner is unknown, looked up from the keyboard, is recorded as ownerless and taken on record through its card', async () => {
  const o = await loneObject('under_investigation', 'NOT EXISTS (SELECT 1 FROM ownerless_records r WHERE r.object_id = o.id)');
  const page = await openInspector();
  // Without a pointer: the lookup at the map's centre, from the keyboard.
  await jumpTo(page, [o.lon, o.lat], 18);
  await page.focus('[data-testid="lookup-centre"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`[data-testid="lookup-object"][data-object-id="${o.id}"]`);
  assert.equal(await page.locator('[data-testid="lookup-object"]').first().getAttribute('data-object-id'), String(o.id));
  await openCard(page, o.id);
  await page.click('[data-testid="action-ownerless"]');
  await page.selectOption('#ownerless-danger', 'medium');
  await page.fill('#ownerless-note', 'Відкритий колодязь біля дитячого майданчика');
  await page.click('[data-testid="ownerless-submit"]');
  await page.waitForSelector('[data-testid="detail-stage"][data-stage="found"]');
  assert.equal(await objectStatus(o.id), 'ownerless');
  const [record] = await app.db.sql<{ id: number; stage: string; danger_level: string; note: string }>(
    'SELECT id, stage, danger_level, note FROM ownerless_records WHERE object_id = $id', { id: o.id });
  assert.deepEqual({ ...record, id: undefined }, { id: undefined, stage: 'found', danger_level: 'medium', note: 'Відкритий колодязь біля дитячого майданчика' });

  // The next stage needs its document: without one the field says so; with one the record moves on.
  await page.click('[data-testid="advance-submit"]');
  await page.waitForSelector('[data-testid="error-advance-ref"]');
  await page.fill('#advance-ref', 'Рішення виконкому № 17/3');
  await page.click('[data-testid="advance-submit"]');
  await page.waitForSelector('[data-testid="detail-stage"][data-stage="on_record"]');
  const [moved] = await app.db.sql<{ stage: string; record_ref: string; eligible_from: string }>(
    'SELECT stage, record_ref, eligible_from::text FROM ownerless_records WHERE id = $id', { id: record!.id });
  assert.equal(moved!.stage, 'on_record');
  assert.equal(moved!.record_ref, 'Рішення виконкому № 17/3');
  assert.ok(moved!.eligible_from, 'taking on record starts the year');
  await screenshot(page, 'inspector-ownerless');
  await page.close();
});
