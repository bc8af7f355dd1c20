// Security headers on every response: a CSP that lets MapLibre run, no framing, no sniffing, HSTS behind TLS.
import type Koa from 'koa';

export interface SecurityHeaderOptions {
  /** Extra origins the map may fetch from (an external basemap or glyph server), e.g. 'https://tiles.example.org'. */
  connectSrc?: string[];
  /** Extra origins images may come from (photos on another host). */
  imgSrc?: string[];
}

export function contentSecurityPolicy(opts: SecurityHeaderOptions = {}): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    // MapLibre and Svelte set element styles at run time.
    'style-src': ["'self'", "'unsafe-inline'"],
    // MapLibre decodes sprites and raster tiles through blob: and data: URLs.
    'img-src': ["'self'", 'data:', 'blob:', ...(opts.imgSrc ?? [])],
    // MapLibre starts its tile workers from a blob: URL.
    'worker-src': ["'self'", 'blob:'],
    'child-src': ["'self'", 'blob:'],
    'connect-src': ["'self'", ...(opts.connectSrc ?? [])],
    'font-src': ["'self'", 'data:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives).map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

export function securityHeaders(opts: SecurityHeaderOptions = {}): Koa.Middleware {
  const csp = contentSecurityPolicy(opts);
  const apply = (ctx: Koa.Context) => {
    ctx.set('Content-Security-Policy', csp);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'strict-origin-when-cross-origin');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'geolocation=(self), camera=(self), microphone=()');
    // Only over TLS: HSTS on plain http would be ignored at best and a lock-out at worst.
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    ctx.remove('X-Powered-By');
    ctx.remove('Server');
  };
  return async (ctx, next) => {
    // Before: a handler that writes its own head (the live stream) sends them too. After: nothing downstream took them away.
    apply(ctx);
    try {
      await next();
    } finally {
      if (!ctx.headerSent) apply(ctx);
    }
  };
}
