// Browser tests' harness: a fresh database with the demo city, the real server serving the
// built app (web/dist), and one headless Chromium (Debian's, WebGL through SwiftShader).
import { mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { testDb } from '../../server/testing/db.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import type { Db } from '../../server/db/db.js';
import type { Clock } from '../../server/clock.js';
import { loadDemoCity } from '../../fixtures/demo-city.js';

const root = path.resolve(import.meta.dirname, '../..');
export const SCREENSHOTS = path.join(root, 'artifacts', 'screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // MapLibre needs WebGL: headless Chromium without a GPU gets it from SwiftShader.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export interface BrowserApp {
  db: Db;
  server: TestServer;
  url: string;
  browser: Browser;
  /** A new context (own cookies) and page; console errors are printed with the test's output. */
  newPage(opts?: { viewport?: { width: number; height: number }; mobile?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

export async function startBrowserApp(opts: { clock?: Clock; demoCity?: boolean } = {}): Promise<BrowserApp> {
  if (!existsSync(path.join(root, 'web', 'dist', 'index.html'))) {
    throw new Error('web/dist is missing: run `npm run build` first (npm test does it before browser tests).');
  }
  const db = await testDb();
  if (opts.demoCity !== false) await loadDemoCity(db, opts.clock ? { now: opts.clock.now() } : {});
  const server = await startTestServer(db, opts.clock ? { clock: opts.clock } : {});
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  return {
    db,
    server,
    url: server.url,
    browser,
    async newPage(o = {}) {
      const context = await browser.newContext({
        viewport: o.viewport ?? { width: 1280, height: 800 },
        ...(o.mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
        locale: 'uk-UA',
        timezoneId: 'Europe/Kyiv',
        // The city's centre, for "use my location".
        geolocation: { longitude: 36.358, latitude: 50.035 },
        permissions: ['geolocation'],
      });
      contexts.push(context);
      // Nothing may leave this machine: any request to another host is a test failure.
      await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
        console.error(`blocked external request: ${route.request().url()}`);
        return route.abort();
      });
      const page = await context.newPage();
      page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') console.error(`console: ${msg.text()}`);
      });
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await server.close();
      await db.close();
    },
  };
}

/** Keeps a screenshot of the page as artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Waits until the page's map has loaded its style and finished drawing. */
export async function waitForMap(page: Page, timeout = 20_000): Promise<void> {
  await page.waitForFunction(() => {
    const map = (window as unknown as { __mistoMap?: { loaded(): boolean; areTilesLoaded(): boolean } }).__mistoMap;
    return !!map && map.loaded() && map.areTilesLoaded();
  }, undefined, { timeout, polling: 100 });
}

export interface RenderedFeature {
  layer: string;
  properties: Record<string, unknown>;
}

/** Features the map actually drew in the given layers (MapLibre's queryRenderedFeatures). */
export async function renderedFeatures(page: Page, layers: string[]): Promise<RenderedFeature[]> {
  return page.evaluate((ids) => {
    const map = (window as unknown as { __mistoMap: { getLayer(id: string): unknown; queryRenderedFeatures(o: unknown): Array<{ layer: { id: string }; properties: Record<string, unknown> }> } }).__mistoMap;
    const present = ids.filter((id) => map.getLayer(id));
    return map.queryRenderedFeatures({ layers: present }).map((f) => ({ layer: f.layer.id, properties: f.properties }));
  }, layers);
}

/** Moves the map and waits for it to settle. */
export async function jumpTo(page: Page, center: [number, number], zoom: number): Promise<void> {
  await page.evaluate(([c, z]) => {
    const map = (window as unknown as { __mistoMap: { jumpTo(o: unknown): void } }).__mistoMap;
    map.jumpTo({ center: c, zoom: z });
  }, [center, zoom] as const);
  await page.waitForTimeout(50);
  await waitForMap(page);
}

/** Logs in through the login page. */
export async function logIn(page: Page, url: string, login: string, password: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('[data-testid="login-form"] button[type="submit"]');
  await page.waitForSelector('[data-testid="logout"]');
}
