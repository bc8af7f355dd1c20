// Starts Misto: config → database (real or embedded) → migrate → demo city if empty → listen.
import type { Server } from 'node:http';
import { loadConfig, ConfigError } from './config.js';
import { openDatabase, DatabaseStartError } from './db/open.js';
import { createApp } from './app.js';
import { createChangeFeed } from './live/changes.js';
import { loadDemoCityIfEmpty } from '../fixtures/demo-city.js';

function fail(message: string): never {
  console.error(`misto: ${message}`);
  process.exit(1);
}

async function main() {
  const config = loadConfig();
  console.log(config.databaseUrl ? 'misto: using the database at DATABASE_URL' : `misto: using the embedded database in ${config.dataDir}`);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
  // The embedded database is the demo: it gets the demo city on first start. A real database
  // is loaded on purpose (npm run db:seed).
  if (!config.databaseUrl) {
    const loaded = await loadDemoCityIfEmpty(db);
    if (loaded) console.log(`misto: demo city loaded (${loaded.addresses} addresses, ${loaded.tickets} tickets)`);
  }
  const changes = await createChangeFeed(db);
  const app = createApp({ db, config, changes });
  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') fail(`port ${config.port} is already in use: stop what uses it or set PORT to another port.`);
    if (err.code === 'EACCES') fail(`port ${config.port} needs privileges: set PORT to 1024 or above.`);
    throw err;
  });
  const address = server.address();
  console.log(`misto: listening on http://localhost:${typeof address === 'object' && address ? address.port : config.port}`);

  const shutdown = () => {
    server.close(() => {
      db.close().finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DatabaseStartError) fail(err.message);
  console.error(err);
  fail('could not start (see the error above).');
});
