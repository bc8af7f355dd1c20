// CPU used by the server processes and the database over a phase, and the servers' resident memory, read from /proc: shows which side of a load run was the bottleneck.
import { readFileSync } from 'node:fs';

/** User + system CPU ms of a process so far; undefined where /proc is not there or it has ended. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Resident memory in MiB. */
function rssMiB(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

export interface CpuUse {
  wallMs: number;
  /** CPU ms over the phase: the server processes together (undefined: not measurable), the database's, this process's. */
  serverMs: number | undefined;
  dbMs: number | undefined;
  generatorMs: number;
  /** The shares of one core each side used (in %) and the servers' memory now, as a line. */
  text: string;
}

/**
 * Starts measuring; the function it returns tells the CPU each side used since and the servers'
 * memory now. Database backends come and go: one first seen at the end was born during the phase
 * and counts whole; one that lived only in between is missed (the pool keeps its connections, so
 * there are few).
 */
export function cpuMeter(serverPids: number[], dbPids: () => number[]): () => CpuUse {
  const t0 = performance.now();
  const start = serverPids.map(cpuMs);
  const dbStart = new Map(dbPids().map((pid) => [pid, cpuMs(pid) ?? 0]));
  const self0 = process.cpuUsage();
  return () => {
    const wall = performance.now() - t0;
    const self = process.cpuUsage(self0);
    const share = (ms: number) => `${Math.round((ms / wall) * 100)}%`;
    const used = serverPids.map((pid, i) => {
      const now = cpuMs(pid);
      const then = start[i];
      return now === undefined || then === undefined ? undefined : now - then;
    });
    const db = dbPids();
    const dbUsed = db.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0) - (dbStart.get(pid) ?? 0), 0);
    const generatorMs = (self.user + self.system) / 1000;
    const rss = serverPids.map((pid) => rssMiB(pid)).map((m) => (m === undefined ? '?' : `${m.toFixed(0)} MiB`));
    const servers = used.map((ms) => (ms === undefined ? '?' : share(ms)));
    return {
      wallMs: wall,
      serverMs: used.length > 0 && used.every((ms) => ms !== undefined) ? used.reduce((a, b) => a! + b!, 0) : undefined,
      dbMs: db.length ? dbUsed : undefined,
      generatorMs,
      text: `CPU, in shares of one core: server ${servers.join(' + ') || '—'}, PostgreSQL ${db.length ? share(dbUsed) : '— (not ours to measure)'}, load generator ${share(generatorMs)}; server memory ${rss.join(' + ') || '—'}`,
    };
  };
}
