// Starts Misto: config → database (real or embedded) → migrate → demo city if empty → listen and the
// background schedules; on SIGTERM/SIGINT stops them and closes gracefully.
import { createServer, type Server } from 'node:http';
import { loadConfig, ConfigError } from './config.js';
import { openDatabase, DatabaseStartError } from './db/open.js';
import { createApp } from './app.js';
import { tileHotPath } from '../tiles/hot-path.js';
import { createChangeFeed } from './live/changes.js';
import { loadDemoCityIfEmpty } from '../fixtures/demo-city.js';
import { graceful } from './http/graceful.js';
import { startEscalationSchedule } from './tickets/escalation.js';
import { startOutageSchedule } from './outages/clock-status.js';
import { loadRetentionConfig, startRetentionSchedule } from './privacy/retention.js';

function fail(message: string): never {
  console.error(`misto: ${message}`);
  process.exit(1);
}

/** Waits for promise, but no longer than ms; its failure is not ours to report here. */
function within(ms: number, promise: Promise<unknown>): Promise<unknown> {
  return Promise.race([promise.catch(() => {}), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
}

async function main() {
  const config = loadConfig();
  console.log(config.databaseUrl ? 'misto: using the database at DATABASE_URL' : `misto: using the embedded database in ${config.dataDir}`);
  if (config.databaseReadUrls.length > 0) console.log(`misto: reading from ${config.databaseReadUrls.length} replica(s) at DATABASE_READ_URLS`);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    readUrls: config.databaseReadUrls,
    readMaxLagMs: config.databaseReadMaxLagMs,
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
  const deps = { db, config, changes };
  const app = createApp(deps);
  // Tile cache hits are answered before Koa (tiles/hot-path.ts), with the same bytes and headers.
  const server: Server = createServer(await tileHotPath(deps, app.callback()));
  server.listen(config.port, config.host);
  const http = graceful(server);
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

  // Several processes may run these at once: each round is safe to repeat (see the two modules).
  const escalation = startEscalationSchedule({ db, config });
  const outageClock = startOutageSchedule({ db });
  const retention = startRetentionSchedule({ db, config: loadRetentionConfig() });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`misto: ${signal}: finishing requests in flight (${http.inFlight}), at most ${config.shutdownGraceMs} ms`);
    // Past the grace and the time to close the database, the process goes anyway.
    setTimeout(() => {
      console.error('misto: shutdown did not finish in time; exiting.');
      process.exit(1);
    }, config.shutdownGraceMs + 10_000).unref();
    // A schedule round blocked in the database gets the same grace as a request.
    const [drained] = await Promise.all([
      http.close(config.shutdownGraceMs),
      within(config.shutdownGraceMs, escalation.stop()),
      within(config.shutdownGraceMs, outageClock.stop()),
      within(config.shutdownGraceMs, retention.stop()),
    ]);
    if (!drained) console.error('misto: some requests did not finish within the grace; their connections were closed.');
    await within(1_000, changes.close());
    // A transaction cut off above still holds its connection: the database rolls it back when
    // the process goes, so closing waits for it only briefly.
    await within(2_000, db.close().catch((err: Error) => console.error(`misto: closing the database: ${err.message}`)));
    console.log('misto: stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DatabaseStartError) fail(err.message);
  console.error(err);
  fail('could not start (see the error above).');
});
