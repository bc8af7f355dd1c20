// npm run scale-out's pure parts: its options, and the nginx configuration it derives from deploy/nginx.conf (which nginx itself must accept).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseScaleOutArgs, renderNginxConf } from './scale-out-config.js';

const shipped = readFileSync(new URL('../deploy/nginx.conf', import.meta.url), 'utf8');
const run = { port: 18_080, upstreams: ['127.0.0.1:18081', '127.0.0.1:18082'], root: '/tmp/misto-nginx-test' };
const nginx = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => existsSync(p));

test('scale-out options: defaults, configurations kept in table order, and clear refusals', () => {
  const defaults = parseScaleOutArgs([]);
  assert.deepEqual(defaults.only, ['1p', '2p', '2p+replica', '2p+replica+nginx']);
  assert.equal(defaults.seconds, 24);
  assert.equal(defaults.rounds, 3);
  const some = parseScaleOutArgs(['--only', '2p+replica+nginx,1p', '--seconds', '5', '--tickets', '1000']);
  assert.deepEqual(some.only, ['1p', '2p+replica+nginx']);
  assert.equal(some.seconds, 5);
  assert.equal(some.city.tickets, 1000);
  assert.throws(() => parseScaleOutArgs(['--only', '3p']), /not 3p/);
  assert.throws(() => parseScaleOutArgs(['--seconds', '0']), /--seconds needs a whole number from 1/);
  assert.throws(() => parseScaleOutArgs(['--seconds']), /--seconds needs a whole number/);
  assert.throws(() => parseScaleOutArgs(['--threads', '4']), /unknown option --threads/);
  assert.throws(() => parseScaleOutArgs(['--seconds', '2', '--rounds', '3']), /cannot be cut into 3 rounds/);
});

test('the nginx configuration of a run is the shipped one with its ports and paths swapped, caching rules untouched', () => {
  const conf = renderNginxConf(shipped, run);
  assert.match(conf, /^daemon off;/);
  assert.match(conf, /listen 127\.0\.0\.1:18080;/);
  assert.match(conf, /upstream misto \{[^}]*server 127\.0\.0\.1:18081;\s*server 127\.0\.0\.1:18082;/);
  assert.doesNotMatch(conf, /:808[12];/, 'the example upstreams are gone');
  assert.doesNotMatch(conf, /listen 80;/);
  assert.doesNotMatch(conf, /\/var\/|\/run\//, 'nothing is written outside the run directory');
  assert.match(conf, /proxy_cache_path \/tmp\/misto-nginx-test\/cache /);
  assert.match(conf, /proxy_temp_path \/tmp\/misto-nginx-test\/tmp\/proxy;/);
  // Everything that is not a port or a path reads as shipped.
  const rules = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => /^(proxy_|location|gunzip|least_conn|keepalive)/.test(l) && !/^proxy_(cache_path|temp_path)/.test(l));
  assert.deepEqual(rules(conf), rules(shipped));
  assert.ok(rules(shipped).includes('proxy_cache_revalidate on;') && rules(shipped).includes('proxy_cache_lock on;'));
  assert.match(renderNginxConf(shipped, { ...run, user: 'root' }), /^daemon off;\nuser root;/);
});

test('a shipped configuration that no longer has a line the run adapts is refused, not half-adapted', () => {
  assert.throws(() => renderNginxConf(shipped.replace('listen 80;', 'listen 443 ssl;'), run), /no listen line/);
  assert.throws(() => renderNginxConf(shipped.replace(/proxy_cache_path/, 'proxy_store_path'), run), /no proxy_cache_path line/);
});

test('nginx accepts the configuration a run derives from deploy/nginx.conf', { skip: nginx ? false : 'nginx is not installed' }, () => {
  const root = mkdtempSync(path.join(tmpdir(), 'misto-nginx-conf-'));
  try {
    mkdirSync(path.join(root, 'tmp'));
    const file = path.join(root, 'nginx.conf');
    writeFileSync(file, renderNginxConf(shipped, { ...run, root }));
    const check = spawnSync(nginx!, ['-t', '-c', file, '-p', root, '-e', path.join(root, 'error.log')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
