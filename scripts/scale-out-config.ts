// The pure parts of npm run scale-out: its options, the configurations it measures, and the nginx configuration it runs, derived from deploy/nginx.conf.
import type { CitySize } from './load/setup.js';

export interface ScaleOutOptions {
  /** Measured seconds per configuration in all, in `rounds` slices that take turns with the
   *  other configurations' (after warmUp seconds each that are not counted). */
  seconds: number;
  rounds: number;
  warmUp: number;
  /** Connections asking for tiles as fast as they are answered. */
  tileConnections: number;
  /** How many different tiles they ask for (the most popular views of the load fixtures). */
  tiles: number;
  city: CitySize;
  /** Which configurations to run (ids of CONFIGURATIONS). */
  only: ConfigurationId[];
  /** Whole run's limit: past it everything is torn down and the script fails. */
  deadlineS: number;
}

export type ConfigurationId = '1p' | '2p' | '2p+replica' | '2p+replica+nginx';

export interface Configuration {
  id: ConfigurationId;
  label: string;
  processes: 1 | 2;
  replica: boolean;
  nginx: boolean;
}

export const CONFIGURATIONS: readonly Configuration[] = [
  { id: '1p', label: '1 process, no replica', processes: 1, replica: false, nginx: false },
  { id: '2p', label: '2 processes, no replica', processes: 2, replica: false, nginx: false },
  { id: '2p+replica', label: '2 processes + replica', processes: 2, replica: true, nginx: false },
  { id: '2p+replica+nginx', label: '2 processes + replica + nginx', processes: 2, replica: true, nginx: true },
];

export const USAGE = `npm run scale-out -- [--seconds 24] [--rounds 3] [--warm-up 5] [--connections 32] [--tiles 1000]
                         [--addresses 20000 --tickets 50000 --objects 5000]
                         [--only ${CONFIGURATIONS.map((c) => c.id).join(',')}] [--deadline 900]`;

export function parseScaleOutArgs(argv: string[]): ScaleOutOptions {
  const o: ScaleOutOptions = {
    seconds: 24, rounds: 3, warmUp: 5, tileConnections: 32, tiles: 1_000, city: { addresses: 20_000, tickets: 50_000, objects: 5_000 },
    only: CONFIGURATIONS.map((c) => c.id), deadlineS: 900,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const int = (min: number, max: number) => {
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} needs a whole number from ${min} to ${max}\n${USAGE}`);
      i++;
      return n;
    };
    switch (flag) {
      case '--seconds': o.seconds = int(1, 600); break;
      case '--rounds': o.rounds = int(1, 20); break;
      case '--warm-up': o.warmUp = int(0, 120); break;
      case '--connections': o.tileConnections = int(1, 1_000); break;
      case '--tiles': o.tiles = int(1, 4_000); break;
      case '--addresses': o.city.addresses = int(1, 10_000_000); break;
      case '--tickets': o.city.tickets = int(0, 50_000_000); break;
      case '--objects': o.city.objects = int(0, 10_000_000); break;
      case '--deadline': o.deadlineS = int(60, 86_400); break;
      case '--only': {
        const ids = (value ?? '').split(',').filter((s) => s !== '');
        const known = new Set<string>(CONFIGURATIONS.map((c) => c.id));
        const unknown = ids.filter((id) => !known.has(id));
        if (ids.length === 0 || unknown.length > 0) throw new Error(`--only takes a comma list of ${[...known].join(', ')}${unknown.length ? `; not ${unknown.join(', ')}` : ''}\n${USAGE}`);
        // In the table's order, whatever order they were named in: the first is the baseline.
        o.only = CONFIGURATIONS.map((c) => c.id).filter((id) => ids.includes(id));
        i++;
        break;
      }
      case '--help': throw new Error(USAGE);
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (o.seconds < o.rounds) throw new Error(`--seconds ${o.seconds} cannot be cut into ${o.rounds} rounds of a second or more\n${USAGE}`);
  return o;
}

export interface NginxRun {
  /** The port nginx listens on (loopback). */
  port: number;
  /** host:port of each Misto process. */
  upstreams: string[];
  /** A directory of the run's own: pid, logs, cache and temporary files go there. */
  root: string;
  /** The user the workers run as when nginx is started as root (they write the cache). */
  user?: string;
}

/**
 * deploy/nginx.conf with this run's ports and paths: everything else (cache rules, the live
 * stream, the upstream policy) is the shipped file's. Each line it changes must be found, so a
 * change to the shipped file that this no longer follows fails loudly instead of measuring
 * something else.
 */
export function renderNginxConf(template: string, run: NginxRun): string {
  let conf = template;
  const swap = (what: string, pattern: RegExp, replacement: string) => {
    if (!pattern.test(conf)) throw new Error(`deploy/nginx.conf has no ${what} line to adapt (${pattern})`);
    conf = conf.replace(pattern, replacement);
  };
  const servers = run.upstreams.map((u) => `server ${u};`).join('\n        ');
  swap('upstream server', /server 127\.0\.0\.1:\d+;(\s*server 127\.0\.0\.1:\d+;)*/, servers);
  swap('listen', /^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${run.port};`);
  swap('pid', /^pid [^;]+;$/m, `pid ${run.root}/nginx.pid;`);
  swap('error_log', /^error_log [^;]+;$/m, `error_log ${run.root}/error.log warn;`);
  swap('access_log', /^(\s*)access_log [^;]+;$/m, '$1access_log off;');
  swap('proxy_cache_path', /proxy_cache_path \S+/, `proxy_cache_path ${run.root}/cache`);
  // In the foreground, as this script's child; temporary files in the run's directory.
  const top = [`daemon off;`, ...(run.user ? [`user ${run.user};`] : [])].join('\n');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${run.root}/tmp/${t};`).join('\n');
  swap('http block', /^http \{$/m, `http {\n${temp}`);
  return `${top}\n${conf}`;
}
