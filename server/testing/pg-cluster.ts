// A throwaway PostgreSQL + PostGIS cluster: initdb into a temporary directory, a free port,
// removed on stop. Used by the test runner, the benchmarks and the fault scripts.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chownSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PgCluster {
  /** postgres://… of the superuser on database "postgres". */
  url: string;
  port: number;
  dir: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
  /** Start a stopped cluster again on the same port and data (fault tests). */
  restart(): Promise<void>;
  kill(): Promise<void>;
  /** PostgreSQL's immediate shutdown: no checkpoint, crash recovery on the next start (a power cut, short of the disk). */
  crash(): Promise<void>;
}

export function findPgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

export function hasPostgis(binDir: string): boolean {
  const version = path.basename(path.dirname(binDir));
  return existsSync(`/usr/share/postgresql/${version}/extension/postgis.control`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

const isRoot = process.getuid?.() === 0;
// PostgreSQL refuses to run as root; as root we run it as the postgres system user.
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export async function startPgCluster(opts: { settings?: Record<string, string> } = {}): Promise<PgCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL server binaries are not installed (Debian: apt-get install postgresql-15 postgresql-15-postgis-3).');
  if (!hasPostgis(bin)) throw new Error('PostGIS is not installed for the local PostgreSQL (Debian: apt-get install postgresql-15-postgis-3).');
  const dir = mkdtempSync(path.join(tmpdir(), 'misto-pg-'));
  if (isRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const dataDir = path.join(dir, 'data');
  const [initCmd, initArgs] = asPostgres(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const settings = {
    listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: dir,
    fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300',
    shared_buffers: '256MB', max_wal_size: '4GB', ...opts.settings,
  };
  let proc: ChildProcess | undefined;
  const start = async () => {
    const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const [cmd, cmdArgs] = asPostgres(path.join(bin, 'postgres'), args);
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = child;
    let log = '';
    child.stderr?.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-4000); });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        execFileSync(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
        return;
      } catch {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const stopWith = async (signal: NodeJS.Signals) => {
    const child = proc;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // Signal the postmaster itself: runuser cannot pass SIGKILL on.
      const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, signal);
    });
  };
  await start();
  const urlFor = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    url: urlFor('postgres'),
    port,
    dir,
    urlFor,
    restart: start,
    // SIGINT is PostgreSQL's "fast" shutdown.
    stop: () => stopWith('SIGINT'),
    kill: () => stopWith('SIGKILL'),
    crash: () => stopWith('SIGQUIT'),
  };
}

/** Stops the cluster and removes its directory. */
export async function destroyPgCluster(cluster: PgCluster) {
  await cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
}
