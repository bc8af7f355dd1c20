// Read-replica settings and the reader of a database without replicas (both backends).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import { loadConfig, ConfigError } from '../config.js';
import { lsn } from './replicas.js';
import type { Db } from './db.js';

let db: Db;
before(async () => { db = await testDb(); });
after(async () => { await db.close(); });

test('without replicas, db.reader() reads from the one database and sees its writes at once', async () => {
  await db.sql("INSERT INTO streets (name) VALUES ('Читацька вулиця')");
  assert.deepEqual(await db.reader().sql("SELECT count(*)::int AS n FROM streets WHERE name = 'Читацька вулиця'"), [{ n: 1 }]);
  assert.equal(db.replicaStats, undefined);
});

test('DATABASE_READ_URLS is a comma list of postgres URLs that needs DATABASE_URL', () => {
  const primary = 'postgres://misto@db1:5432/misto';
  const config = loadConfig({ DATABASE_URL: primary, DATABASE_READ_URLS: ' postgres://misto@db2:5432/misto, postgresql://misto@db3/misto ,' });
  assert.deepEqual(config.databaseReadUrls, ['postgres://misto@db2:5432/misto', 'postgresql://misto@db3/misto']);
  assert.equal(config.databaseReadMaxLagMs, 2_000);
  assert.equal(loadConfig({ DATABASE_URL: primary, DATABASE_READ_MAX_LAG_MS: '500' }).databaseReadMaxLagMs, 500);
  assert.deepEqual(loadConfig({}).databaseReadUrls, []);
  assert.throws(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_URLS: 'db2:5432' }), ConfigError);
  assert.throws(() => loadConfig({ DATABASE_READ_URLS: 'postgres://misto@db2/misto' }), /set DATABASE_URL too/);
  assert.throws(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_MAX_LAG_MS: 'soon' }), ConfigError);
});

test('WAL positions compare as numbers, across the 32-bit boundary', () => {
  assert.ok(lsn('1/0') > lsn('0/FFFFFFFF'));
  assert.equal(lsn('0/16B3748'), 0x16b3748n);
  assert.ok(lsn('A/10') > lsn('9/FFFFFF00'));
});
