// The app as bench/tiles.ts measures it, in a process of its own so that the load generator
// does not share its event loop: the real createApp on DATABASE_URL (DB_POOL_SIZE as in
// production) behind the tiles' hot path for cache hits (tiles/hot-path.ts), as the server
// runs it, without the background schedules, and with the tile cache on or off.
//   DATABASE_URL=… npx tsx bench/tile-server.ts [--cache=off] [--now=ISO]
// --now stops the clock there, so that no deadline or closing window passes during a run and
// only the changes the benchmark makes change a tile.
// Prints one JSON line {"port": N} once listening; GET /bench/tile-stats answers the tile
// service's counters (renders, hits, misses, joined), for the stampede and the cache checks.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../server/config.js';
import { openPostgres } from '../server/db/postgres.js';
import { createApp, type AppDeps } from '../server/app.js';
import { createChangeFeed } from '../server/live/changes.js';
import { ManualClock } from '../server/clock.js';
import { createTileService, provideTileService } from '../tiles/service.js';
import { tileHotPath } from '../tiles/hot-path.js';

const config = loadConfig();
if (!config.databaseUrl) throw new Error('bench/tile-server.ts needs DATABASE_URL');
const cache = !process.argv.includes('--cache=off');
const frozen = process.argv.find((a) => a.startsWith('--now='))?.slice('--now='.length);
const clock = frozen ? new ManualClock(frozen) : undefined;
const db = await openPostgres({ connectionString: config.databaseUrl, poolSize: config.dbPoolSize, statementTimeoutMs: config.dbStatementTimeoutMs });
const changes = await createChangeFeed(db);
const deps: AppDeps = { db, config, changes, ...(clock ? { clock } : {}) };
const tiles = createTileService({ db, changes, cache, ...(clock ? { clock } : {}) });
provideTileService(deps, tiles);
const app = await tileHotPath(deps, createApp(deps).callback());

const server = http.createServer((req, res) => {
  if (req.url === '/bench/tile-stats') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(tiles.stats()));
    return;
  }
  void app(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => {
    tiles.close();
    void changes.close().finally(() => db.close().finally(() => process.exit(0)));
  });
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
