// A throwaway PostgreSQL + PostGIS cluster: initdb into a temporary directory, a free port,
// removed on stop. Used by the test runner, the benchmarks and the fault scripts.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chownSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
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
  /**
   * SIGKILL to the postmaster and every backend at once: nothing is flushed or checkpointed and the
   * next start runs crash recovery from the WAL (a power cut, short of losing the disk).
   */
  kill(): Promise<void>;
  /** The process ids of the postmaster and its backends now (empty when stopped), for CPU figures. */
  pids(): number[];
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

export async function startPgCluster(opts: { settings?: Record<string, string>; standbyOf?: PgCluster } = {}): Promise<PgCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL server binaries are not installed (Debian: apt-get install postgresql-15 postgresql-15-postgis-3).');
  if (!hasPostgis(bin)) throw new Error('PostGIS is not installed for the local PostgreSQL (Debian: apt-get install postgresql-15-postgis-3).');
  const dir = mkdtempSync(path.join(tmpdir(), 'misto-pg-'));
  if (isRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const dataDir = path.join(dir, 'data');
  // A standby starts from a base backup of its primary; -R writes primary_conninfo and standby.signal.
  const [initCmd, initArgs] = opts.standbyOf
    ? asPostgres(path.join(bin, 'pg_basebackup'), ['-D', dataDir, '-h', '127.0.0.1', '-p', String(opts.standbyOf.port), '-U', 'postgres', '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync'])
    : asPostgres(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
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
        if (!isUp(child) || Date.now() > deadline) throw new Error(`PostgreSQL did not start:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const postmasterPid = (): number | undefined => {
    try {
      return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
    } catch {
      return undefined;
    }
  };
  // Every process of the cluster, the postmaster and each backend, works in its data directory.
  const pids = (): number[] => (proc && isUp(proc) ? processesIn(dataDir) : []);
  const stopWith = async (signal: NodeJS.Signals) => {
    const child = proc;
    if (!child || !isUp(child)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (signal === 'SIGKILL') {
      // A killed postmaster cannot end its backends: each gets SIGKILL too, all at once as a
      // power cut would, again until none is left (one may have been forked meanwhile). The next
      // start refuses while a backend of the old one still holds the shared memory.
      const deadline = Date.now() + 10_000;
      for (let left = processesIn(dataDir); left.length > 0 && Date.now() < deadline; left = processesIn(dataDir)) {
        for (const pid of left) signalProcess(pid, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 20));
      }
    } else {
      // Signal the postmaster itself: runuser would not pass every signal on.
      const postmaster = postmasterPid();
      if (postmaster !== undefined) signalProcess(postmaster, signal);
    }
    await exited;
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
    pids,
  };
}

/** Whether a child process has neither exited nor been killed by a signal. */
const isUp = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** The running processes (zombies left out) whose working directory is dir, from /proc. */
function processesIn(dir: string): number[] {
  const target = realpathSync(dir);
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/cwd`) !== target) continue;
      // The command name is in parentheses and may hold spaces: the state follows the last one.
      if (readFileSync(`/proc/${name}/stat`, 'utf8').split(') ').at(-1)![0] !== 'Z') found.push(Number(name));
    } catch {
      // Ended while we looked, or not ours to read.
    }
  }
  return found;
}

function signalProcess(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Stops the cluster and removes its directory. */
export async function destroyPgCluster(cluster: PgCluster) {
  await cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
}
