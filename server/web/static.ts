// Serves the built web app (web/dist): hashed assets cached for good, index.html for the app's
// routes (the browser router takes it from there), and nothing outside the dist directory.
// Security headers (CSP, nosniff, framing) come from server/http/security-headers.ts for every response.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type Koa from 'koa';

export const DEFAULT_WEB_DIST = path.resolve(import.meta.dirname, '../../web/dist');

/** The client-side routes that answer with index.html (see web/src/App.svelte). */
const APP_ROUTE = /^\/(?:|track(?:\/[^/]+)?|affected|operator|executor|inspector|dashboard(?:\/[^/]+)?|login)\/?$/;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.map', '.webmanifest']);

interface CachedFile {
  mtimeMs: number;
  size: number;
  etag: string;
  body: Buffer;
  gzip: Buffer | null;
}

/** Koa middleware for web/dist; mount it after every router. */
export function webApp(distDir: string = DEFAULT_WEB_DIST): Koa.Middleware {
  const root = path.resolve(distDir);
  const cache = new Map<string, CachedFile>();

  async function load(file: string): Promise<CachedFile | undefined> {
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(file);
    } catch {
      return undefined;
    }
    if (!s.isFile()) return undefined;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === s.mtimeMs && hit.size === s.size) return hit;
    const body = await readFile(file);
    const ext = path.extname(file);
    const gzip = COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : null;
    const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
    const entry = { mtimeMs: s.mtimeMs, size: s.size, etag, body, gzip };
    cache.set(file, entry);
    return entry;
  }

  function send(ctx: Koa.Context, file: string, entry: CachedFile, cacheControl: string) {
    const ext = path.extname(file);
    ctx.set('Cache-Control', cacheControl);
    ctx.set('ETag', entry.etag);
    ctx.vary('Accept-Encoding');
    ctx.type = TYPES[ext] ?? 'application/octet-stream';
    if (ctx.get('If-None-Match') === entry.etag) {
      ctx.status = 304;
      return;
    }
    ctx.status = 200;
    if (entry.gzip && ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
      ctx.set('Content-Encoding', 'gzip');
      ctx.body = entry.gzip;
    } else {
      ctx.body = entry.body;
    }
  }

  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    let relative: string;
    try {
      relative = decodeURIComponent(ctx.path);
    } catch {
      ctx.status = 400;
      ctx.body = 'Bad path';
      return;
    }
    // A path that tries to climb out (.., backslashes, NUL) is refused before touching the disk.
    if (relative.includes('\0') || relative.includes('\\') || relative.split('/').some((seg) => seg === '..')) {
      ctx.status = 404;
      return;
    }

    if (APP_ROUTE.test(relative)) {
      const index = path.join(root, 'index.html');
      const entry = await load(index);
      if (!entry) {
        ctx.status = 503;
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = 'The web app is not built: run `npm run build`, then reload.';
        return;
      }
      send(ctx, index, entry, 'no-cache');
      return;
    }

    const file = path.resolve(root, `.${relative}`);
    if (!file.startsWith(root + path.sep) || path.basename(file).startsWith('.')) return next();
    const entry = await load(file);
    if (!entry) return next();
    // Vite names everything under assets/ by its content hash: such a URL never changes meaning.
    const immutable = relative.startsWith('/assets/');
    send(ctx, file, entry, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  };
}
