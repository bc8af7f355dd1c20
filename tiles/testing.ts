// Test helpers for tiles: fetch a tile as the raw bytes on the wire, and decode one with
// @mapbox/vector-tile into plain features.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as sent (still gzipped when Content-Encoding says so). */
  raw: Buffer;
  /** The body with any gzip undone. */
  body: Buffer;
}

/** GET without any client-side decoding, so the test sees what the server sent. */
export function get(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export interface DecodedFeature {
  type: number;
  properties: Record<string, string | number | boolean>;
  /** Parts (points, lines or rings) as [x, y] in tile coordinates. */
  geometry: [number, number][][];
}

export function decodeTile(bytes: Uint8Array): Record<string, DecodedFeature[]> {
  const tile = new VectorTile(new PbfReader(bytes));
  const out: Record<string, DecodedFeature[]> = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    out[name] = [];
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i);
      out[name].push({
        type: f.type,
        properties: { ...f.properties },
        geometry: f.loadGeometry().map((part) => part.map((p) => [p.x, p.y] as [number, number])),
      });
    }
  }
  return out;
}

/** Resolves once check() returns a value, polling; rejects after timeoutMs with what it saw last. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 3_000, what = 'the condition'): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return { value, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
