// testDb(): a fresh, migrated database for one test file, on the backend the runner chose.
// Real PostgreSQL: a clone of the migrated template database. Embedded: a PGlite loaded from
// the migrated template dump. Either way, the tests never share data.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres } from '../db/postgres.js';
import { openPglite } from '../db/pglite.js';
import type { Db } from '../db/db.js';

export type Backend = 'postgres' | 'pglite';

export const testBackend: Backend = (process.env.MISTO_TEST_BACKEND as Backend | undefined) ?? 'postgres';

export const TEMPLATE_DB = 'misto_template';

export async function testDb(): Promise<Db> {
  if (testBackend === 'pglite') {
    const template = process.env.MISTO_TEST_PGLITE_TEMPLATE;
    if (!template) throw new Error('MISTO_TEST_PGLITE_TEMPLATE is not set: run the tests with npm test');
    return openPglite({ loadDataDir: new Blob([readFileSync(template)]) });
  }
  const adminUrl = process.env.MISTO_TEST_PG_URL;
  if (!adminUrl) throw new Error('MISTO_TEST_PG_URL is not set: run the tests with npm test');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openPostgres({ connectionString: url.toString(), poolSize: 5 });
  const close = db.close.bind(db);
  return Object.assign(db, {
    url: url.toString(),
    async close() {
      await close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => cleanup.end());
    },
  });
}
