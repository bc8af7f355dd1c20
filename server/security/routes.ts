// The routes an app answers, read from its Koa routers: tests walk every route without a hand list, so a new route is covered the day it is added.
import type Koa from 'koa';
import type Router from '@koa/router';

export interface RouteInfo {
  method: string;
  /** As the router declares it, with :parameters (e.g. /open311/v2/requests/:id.:format). */
  path: string;
}

/** Every method × path of every router mounted on the app (a router's middleware carries `.router`). HEAD is left out: it follows GET. */
export function listRoutes(app: Koa): RouteInfo[] {
  const seen = new Map<string, RouteInfo>();
  for (const middleware of app.middleware) {
    const router = (middleware as { router?: Router }).router;
    if (!router) continue;
    for (const layer of router.stack) {
      if (typeof layer.path !== 'string') continue;
      for (const method of layer.methods) {
        if (method === 'HEAD') continue;
        seen.set(`${method} ${layer.path}`, { method, path: layer.path });
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

export const routeKey = (r: RouteInfo) => `${r.method} ${r.path}`;

/** The :names in a route path, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/** The path with each :name replaced by its (already URL-encoded) value. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`fillPath: no value for :${name} in ${path}`);
    return v;
  });
}
