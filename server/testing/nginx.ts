// nginx for the benchmarks and the scale-out script: found where Debian puts it, installed with apt-get when missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findNginx(): string | undefined {
  return ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find((p) => existsSync(p));
}

/** nginx from Debian, installed if missing (nginx-light, else nginx); undefined if that failed. */
export function ensureNginx(log: (line: string) => void): string | undefined {
  const found = findNginx();
  if (found) return found;
  log('nginx is missing: apt-get install -y nginx-light');
  const install = (pkg: string) => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'pipe', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!install('nginx-light') && !install('nginx')) {
    spawnSync('apt-get', ['update'], { stdio: 'pipe' });
    if (!install('nginx-light')) install('nginx');
  }
  return findNginx();
}
