// Starts the real app on port 0 for a test file and gives back its base URL.
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import type { Db } from '../db/db.js';
import type { Clock } from '../clock.js';
import { createChangeFeed } from '../live/changes.js';

export interface TestServer {
  url: string;
  deps: AppDeps;
  close(): Promise<void>;
}

export async function startTestServer(db: Db, opts: { clock?: Clock; config?: Partial<Config> } = {}): Promise<TestServer> {
  // Tests stand where nginx would: they pick the client address and scheme with X-Forwarded-*.
  const config: Config = { ...loadConfig({}), open311ApiKeys: ['test-key'], trustProxy: true, ...opts.config };
  const changes = await createChangeFeed(db);
  const deps: AppDeps = { db, config, changes, ...(opts.clock ? { clock: opts.clock } : {}) };
  const app = createApp(deps);
  const server = app.listen(0, '127.0.0.1');
  // fetch keeps idle connections 4 s; the server must not close one first, or a request sent on it
  // as it closes is reset (ECONNRESET) — seen on a loaded machine, where timers fire late.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deps,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }).then(() => changes.close()),
  };
}
