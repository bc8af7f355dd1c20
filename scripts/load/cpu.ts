// CPU used by a process (this one or a server child) over a phase, read from /proc: shows which side of a load run was the bottleneck.
import { readFileSync } from 'node:fs';

/** User + system CPU ms of a process so far; undefined where /proc is not there. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Starts measuring; the function it returns gives the share of one core used since, in %. */
export function cpuMeter(pids: number[]): () => string {
  const t0 = performance.now();
  const start = pids.map(cpuMs);
  const self0 = process.cpuUsage();
  return () => {
    const wall = performance.now() - t0;
    const self = process.cpuUsage(self0);
    const servers = pids.map((pid, i) => {
      const now = cpuMs(pid);
      const then = start[i];
      return now === undefined || then === undefined ? '?' : `${Math.round(((now - then) / wall) * 100)}%`;
    });
    return `server CPU ${servers.join(' + ')} of one core, load generator ${Math.round(((self.user + self.system) / 1000 / wall) * 100)}%`;
  };
}
