// Runs server/main.ts as a child process on a real database (fault tests, load runs), and posts Open311 tickets to it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** What the process printed so far (stdout and stderr), for assertion messages. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True until the process exits or is killed (a kill leaves exitCode null: it is not enough). */
  running(): boolean;
}

/** Starts `tsx server/main.ts` with DATABASE_URL on a free port and waits until it listens. */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}, opts: { timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<ServerProcess> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', path.join(root, 'server', 'main.ts')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (d: Buffer) => { log = (log + d.toString()).slice(-20_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the server did not start in ${timeoutMs} ms:\n${log}`)); }, timeoutMs);
    const look = () => {
      const m = /listening on http:\/\/localhost:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', look);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout!.on('data', look);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${code}, signal ${signal}) before listening:\n${log}`));
    });
  });
  return { url, child, output: () => log, exited, running: () => child.exitCode === null && child.signalCode === null };
}

export interface Open311Ticket {
  service_code: string;
  lat: number;
  long: number;
  description: string;
  email?: string;
  first_name?: string;
}

export interface PostAnswer {
  status: number;
  /** The ticket id when the server acknowledged it. */
  id: number | undefined;
  headers: Headers;
  body: string;
}

/** POST /open311/v2/requests.json as a form, the way GeoReport v2 clients send it. */
export async function postOpen311(baseUrl: string, apiKey: string, ticket: Open311Ticket, opts: { idempotencyKey?: string; signal?: AbortSignal } = {}): Promise<PostAnswer> {
  const form = new URLSearchParams({ api_key: apiKey });
  for (const [k, v] of Object.entries(ticket)) if (v !== undefined) form.set(k, String(v));
  const res = await fetch(`${baseUrl}/open311/v2/requests.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey } : {}) },
    body: form.toString(),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const body = await res.text();
  let id: number | undefined;
  if (res.status === 200) {
    const parsed = JSON.parse(body) as { service_request_id?: string }[];
    id = parsed[0]?.service_request_id ? Number(parsed[0].service_request_id) : undefined;
  }
  return { status: res.status, id, headers: res.headers, body };
}
