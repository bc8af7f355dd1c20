// The audit trail: every change to tickets, outages, objects, ownership claims, ownerless records and users is in audit_log with who and when, and a role the app could run as cannot alter it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDb, testBackend } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { loginAs } from '../testing/auth.js';
import { createCity } from '../testing/factories/city.js';
import { createAddress } from '../testing/factories/tickets.js';
import { ManualClock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { User } from '../auth/middleware.js';

const clock = new ManualClock('2026-11-23T09:00:00Z');
let db: Db;
let server: TestServer;
let orgA: number;
const as = {} as Record<'admin' | 'operator' | 'inspector' | 'executor', { user: User; headers: Record<string, string> }>;

const AUDITED = ['tickets', 'outages', 'objects', 'ownership_claims', 'ownerless_records', 'users'];

before(async () => {
  db = await testDb();
  server = await startTestServer(db, { clock });
  const city = await createCity(db);
  orgA = city.organisations.water!;
  await createAddress(db, { lon: 36.3505, lat: 50.0301, half: 0.0001 });
  for (const role of ['admin', 'operator', 'inspector'] as const) as[role] = await loginAs(db, server.url, role);
  as.executor = await loginAs(db, server.url, 'executor', { organisationId: orgA });
});
after(async () => { await server.close(); await db.close(); });

interface AuditRow { id: number; at: Date; actor: string; table_name: string; row_id: string; action: string; old_row: Record<string, unknown> | null; new_row: Record<string, unknown> | null }

async function lastAuditId(): Promise<number> {
  const [row] = await db.sql<{ id: number | null }>('SELECT max(id) AS id FROM audit_log');
  return Number(row!.id ?? 0);
}

/** Calls the API and returns its answer with the audit rows it wrote, checking each is stamped inside the call's own time. */
async function audited(method: string, path: string, who: keyof typeof as | 'citizen' | { headers: Record<string, string> }, body?: unknown): Promise<{ status: number; json: Record<string, unknown>; rows: AuditRow[] }> {
  const mark = await lastAuditId();
  const started = Date.now();
  const headers: Record<string, string> = { 'x-forwarded-for': `10.1.2.${Math.floor(Math.random() * 250)}` };
  if (typeof who === 'object') Object.assign(headers, who.headers);
  else if (who !== 'citizen') Object.assign(headers, as[who].headers);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const finished = Date.now();
  const json = res.status === 204 ? {} : await res.json() as Record<string, unknown>;
  const rows = await db.sql<AuditRow>('SELECT * FROM audit_log WHERE id > $mark ORDER BY id', { mark });
  for (const r of rows) {
    // "When" is the database's clock at the change (clock_timestamp()), not the request's: it cannot be set by the caller.
    assert.ok(r.at.getTime() >= started - 2000 && r.at.getTime() <= finished + 2000, `${r.table_name} ${r.action} at ${r.at.toISOString()}`);
  }
  return { status: res.status, json, rows };
}

function one(rows: AuditRow[], table: string, action: string): AuditRow {
  const found = rows.filter((r) => r.table_name === table && r.action === action);
  assert.equal(found.length, 1, `one ${action} of ${table} in ${JSON.stringify(rows.map((r) => `${r.table_name} ${r.action}`))}`);
  return found[0]!;
}

test('each of tickets, outages, objects, ownership claims, ownerless records and users has the audit trigger', async () => {
  const rows = await db.sql<{ name: string }>(
    "SELECT c.relname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'misto_audit' AND NOT t.tgisinternal AND t.tgenabled <> 'D'");
  assert.deepEqual(rows.map((r) => r.name).filter((n) => AUDITED.includes(n)).sort(), [...AUDITED].sort());
});

test('users: an admin creating a user is recorded as that admin, without the password hash; a failed login as the address it came from', async () => {
  const { status, json, rows } = await audited('POST', '/api/admin/users', 'admin', { login: 'audit.new', display_name: 'Нова людина', role: 'inspector', password: 'a long enough password' });
  assert.equal(status, 201);
  const r = one(rows, 'users', 'INSERT');
  assert.equal(r.actor, `user:${as.admin.user.id}`);
  assert.equal(r.row_id, String((json.user as { id: number }).id));
  assert.equal(r.new_row!.login, 'audit.new');
  assert.equal('password_hash' in r.new_row!, false);
  const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.44' }, body: JSON.stringify({ login: 'audit.new', password: 'wrong' }) });
  assert.equal(res.status, 401);
  const [failed] = await db.sql<AuditRow>("SELECT * FROM audit_log WHERE table_name = 'users' AND action = 'UPDATE' AND row_id = $id ORDER BY id DESC LIMIT 1", { id: r.row_id });
  assert.equal(failed!.actor, 'login:192.0.2.44');
  assert.deepEqual([failed!.old_row!.failed_logins, failed!.new_row!.failed_logins], [0, 1]);
});

test('tickets: filed by an operator, filed and rated by a citizen, moved by an executor — each change with its actor and the row before and after', async () => {
  const filed = await audited('POST', '/api/tickets', 'operator', { category: 'no_cold_water', lon: 36.3505, lat: 50.0301, description: 'Немає води', attributes: { scope: 'flat' } });
  assert.equal(filed.status, 201, JSON.stringify(filed.json));
  const id = String(filed.json.id);
  const insert = one(filed.rows, 'tickets', 'INSERT');
  assert.deepEqual([insert.actor, insert.row_id, insert.new_row!.status], [`user:${as.operator.user.id}`, id, 'new']);

  const [t] = await db.sql<{ executor_id: number }>('SELECT executor_id FROM tickets WHERE id = $id', { id: Number(id) });
  const worker = t!.executor_id === orgA ? as.executor : await loginAs(db, server.url, 'executor', { organisationId: t!.executor_id });
  const moved = await audited('POST', `/api/tickets/${id}/transitions`, worker, { to: 'accepted', version: 1 });
  assert.equal(moved.status, 200, JSON.stringify(moved.json));
  const update = one(moved.rows, 'tickets', 'UPDATE');
  assert.deepEqual([update.actor, update.row_id, update.old_row!.status, update.new_row!.status], [`user:${worker.user.id}`, id, 'new', 'accepted']);

  const web = await audited('POST', '/api/public/tickets', 'citizen', { category: 'pothole', lon: 36.3505, lat: 50.0301, description: 'Яма', phone: '+380 50 000 0000' });
  assert.equal(web.status, 201);
  assert.equal(one(web.rows, 'tickets', 'INSERT').actor, 'citizen');
  assert.ok(!JSON.stringify(web.rows).includes('+380 50 000 0000'), 'the caller\'s phone is not in the trail');
  await db.sql("UPDATE tickets SET status = 'done', done_at = created_at WHERE id = $id", { id: web.json.id });
  const rated = await audited('POST', `/api/public/tickets/${web.json.token}/rating`, 'citizen', { rating: 5 });
  assert.equal(rated.status, 200);
  const rating = one(rated.rows, 'tickets', 'UPDATE');
  assert.deepEqual([rating.actor, rating.new_row!.rating], ['citizen', 5]);
});

test('outages: announced, changed and cancelled by their managers, each as themselves', async () => {
  const zone = { polygon: { type: 'Polygon', coordinates: [[[36.35, 50.03], [36.351, 50.03], [36.351, 50.031], [36.35, 50.031], [36.35, 50.03]]] } };
  const created = await audited('POST', '/api/outages', 'operator', {
    utility: 'water', kind: 'planned', executor_id: orgA, starts_at: '2026-11-24T08:00:00+02:00', ends_at: '2026-11-24T16:00:00+02:00', public_text: 'Ремонт', zone,
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const outage = created.json.outage as { id: number; version: number };
  assert.equal(one(created.rows, 'outages', 'INSERT').actor, `user:${as.operator.user.id}`);
  const patched = await audited('PATCH', `/api/outages/${outage.id}`, 'executor', { version: outage.version, public_text: 'Ремонт продовжено' });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));
  const update = one(patched.rows, 'outages', 'UPDATE');
  assert.deepEqual([update.actor, update.old_row!.public_text, update.new_row!.public_text], [`user:${as.executor.user.id}`, 'Ремонт', 'Ремонт продовжено']);
  const cancelled = await audited('POST', `/api/outages/${outage.id}/cancel`, 'admin', {});
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.json));
  assert.equal(one(cancelled.rows, 'outages', 'UPDATE').actor, `user:${as.admin.user.id}`);
});

test('objects, ownership claims and ownerless records: recorded, claimed, resolved and advanced, each change with its actor', async () => {
  const created = await audited('POST', '/api/objects', 'inspector', { kind: 'manhole', geometry: { type: 'Point', coordinates: [36.3506, 50.0302] }, label: 'Люк' });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const objectId = String(created.json.id);
  assert.deepEqual([one(created.rows, 'objects', 'INSERT').actor, one(created.rows, 'objects', 'INSERT').row_id], [`user:${as.inspector.user.id}`, objectId]);
  const patched = await audited('PATCH', `/api/objects/${objectId}`, 'inspector', { version: 1, label: 'Люк № 3' });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));
  assert.deepEqual(one(patched.rows, 'objects', 'UPDATE').new_row!.label, 'Люк № 3');

  const claimed = await audited('POST', `/api/objects/${objectId}/claims`, 'executor', { claim: 'ours', role: 'owner', evidence_ref: 'Акт № 9', evidence_date: '2026-11-01' });
  assert.equal(claimed.status, 201, JSON.stringify(claimed.json));
  const claim = one(claimed.rows, 'ownership_claims', 'INSERT');
  assert.equal(claim.actor, `user:${as.executor.user.id}`);
  const resolved = await audited('POST', `/api/claims/${claim.row_id}/resolve`, 'inspector', { resolution: 'accepted', reason: 'Акт підписано' });
  assert.equal(resolved.status, 200, JSON.stringify(resolved.json));
  assert.equal(one(resolved.rows, 'ownership_claims', 'UPDATE').actor, `user:${as.inspector.user.id}`);

  const found = await audited('POST', '/api/ownerless', 'inspector', { danger_level: 'high', kind: 'manhole', geometry: { type: 'Point', coordinates: [36.3507, 50.0303] } });
  assert.equal(found.status, 201, JSON.stringify(found.json));
  const record = one(found.rows, 'ownerless_records', 'INSERT');
  assert.equal(record.actor, `user:${as.inspector.user.id}`);
  const advanced = await audited('POST', `/api/ownerless/${record.row_id}/advance`, 'inspector', { stage: 'on_record', at: '2026-11-23T09:00:00Z', ref: 'Рішення № 1' });
  assert.equal(advanced.status, 200, JSON.stringify(advanced.json));
  const step = one(advanced.rows, 'ownerless_records', 'UPDATE');
  assert.deepEqual([step.actor, step.old_row!.stage, step.new_row!.stage], [`user:${as.inspector.user.id}`, 'found', 'on_record']);
});

// ---- A role like the one the app would run as: every table's rows to read and write, but not the owner of any.

const ROLE = `misto_app_${randomBytes(4).toString('hex')}`;

/** Runs `fn` with statements executed as ROLE: a real connection on PostgreSQL, SET ROLE on the embedded database (it has one user). */
async function asAppRole<T>(fn: (sql: (text: string) => Promise<unknown>) => Promise<T>): Promise<T> {
  if (testBackend === 'postgres') {
    const url = new URL((db as Db & { url: string }).url);
    url.username = ROLE;
    url.password = '';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const [{ current_user, rolsuper }] = (await client.query('SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS rolsuper')).rows as [{ current_user: string; rolsuper: boolean }];
      assert.deepEqual({ current_user, rolsuper }, { current_user: ROLE, rolsuper: false });
      return await fn(async (text) => (await client.query(text)).rows);
    } finally {
      await client.end();
    }
  }
  await db.sql(`SET ROLE ${ROLE}`);
  try {
    return await fn((text) => db.sql(text));
  } finally {
    await db.sql('RESET ROLE');
  }
}

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    return `${(err as { code?: string }).code} ${(err as Error).message}`;
  }
  return 'allowed';
}

test('a role the app could run as (every table readable and writable, none owned) writes audited changes but cannot update, delete, truncate, disable or drop the audit trail', async () => {
  await db.sql(`CREATE ROLE ${ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
  try {
    if (testBackend === 'postgres') await db.sql(`GRANT CONNECT ON DATABASE ${(await db.sql<{ d: string }>('SELECT current_database() AS d'))[0]!.d} TO ${ROLE}`);
    await db.sql(`GRANT USAGE ON SCHEMA public TO ${ROLE}`);
    // Even TRUNCATE is granted: what stops the role must be the append-only trigger, not a missing grant.
    await db.sql(`GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO ${ROLE}`);
    await db.sql(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${ROLE}`);
    const snapshot = async () => (await db.sql<{ n: number; digest: string }>("SELECT count(*)::int AS n, md5(string_agg(a::text, '|' ORDER BY id)) AS digest FROM audit_log a"))[0];
    const before = await snapshot();
    assert.ok(before!.n > 0);

    const attempts = await asAppRole(async (sql) => ({
      update: await refusal(() => sql("UPDATE audit_log SET actor = 'nobody' WHERE table_name = 'tickets'")),
      delete: await refusal(() => sql('DELETE FROM audit_log')),
      truncate: await refusal(() => sql('TRUNCATE audit_log')),
      disableTrigger: await refusal(() => sql('ALTER TABLE audit_log DISABLE TRIGGER audit_log__append_only')),
      dropTrigger: await refusal(() => sql('DROP TRIGGER audit_log__append_only ON audit_log')),
      dropTable: await refusal(() => sql('DROP TABLE audit_log')),
      replicationRole: await refusal(() => sql('SET session_replication_role = replica')),
      replaceFunction: await refusal(() => sql('CREATE OR REPLACE FUNCTION audit_log__append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$')),
    }));
    for (const [what, outcome] of Object.entries(attempts)) {
      assert.match(outcome, /^42501 /, `${what}: refused for lack of privilege (${outcome})`);
    }
    assert.match(attempts.update, /append-only/);
    assert.match(attempts.delete, /append-only/);
    assert.deepEqual(await snapshot(), before, 'the trail is exactly as it was');

    // And the role is one the app can run as: its changes go through, audited under the actor it names.
    const [ticket] = await db.sql<{ id: number }>('SELECT id FROM tickets ORDER BY id LIMIT 1');
    await asAppRole(async (sql) => {
      await sql('BEGIN');
      await sql("SELECT set_config('misto.actor', 'user:4242', true)");
      await sql(`UPDATE tickets SET description = 'Змінено роллю застосунку' WHERE id = ${ticket!.id}`);
      await sql('COMMIT');
    });
    const [row] = await db.sql<AuditRow>("SELECT * FROM audit_log WHERE table_name = 'tickets' AND row_id = $id ORDER BY id DESC LIMIT 1", { id: String(ticket!.id) });
    assert.deepEqual([row!.actor, row!.action, row!.new_row!.description], ['user:4242', 'UPDATE', 'Змінено роллю застосунку']);
  } finally {
    await db.sql(`DROP OWNED BY ${ROLE}`);
    await db.sql(`DROP ROLE ${ROLE}`);
  }
});

test('deletes are recorded too, with the row as it was, for every audited table that lets a row go', async () => {
  const mark = await lastAuditId();
  await db.transaction(async (tx) => {
    await tx.sql("SELECT set_config('misto.actor', 'test:cleanup', true)");
    await tx.sql("DELETE FROM users WHERE login = 'audit.new'");
    const [obj] = await tx.sql<{ id: number }>("INSERT INTO objects (kind, geom) VALUES ('manhole', ST_SetSRID(ST_MakePoint(36.351, 50.031), 4326)) RETURNING id");
    await tx.sql('DELETE FROM objects WHERE id = $id', { id: obj!.id });
  });
  const rows = await db.sql<AuditRow>("SELECT * FROM audit_log WHERE id > $mark AND action = 'DELETE' ORDER BY id", { mark });
  assert.deepEqual(rows.map((r) => [r.table_name, r.actor]), [['users', 'test:cleanup'], ['objects', 'test:cleanup']]);
  assert.equal(rows[0]!.old_row!.login, 'audit.new');
  assert.equal(rows[0]!.new_row, null);
});
