// A raw HTTP request for hostile-input tests: the path goes out byte for byte (fetch would normalise "..", "%2e" and backslashes away), and an event stream is cut after its headers.
import http from 'node:http';

export interface RawRequest {
  method: string;
  /** Already percent-encoded; sent as it is. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** As UTF-8 text; `bytes` for a binary answer (a tile). */
  body: string;
  bytes: Buffer;
}

/** Sends one request on a fresh connection; rejects on a network error or after `timeoutMs` (a hung handler is a finding too). */
export function rawRequest(baseUrl: string, req: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = http.request({
      host: url.hostname, port: url.port, method: req.method, path: req.path, agent: false,
      // Content-Length always: Node's client sends a DELETE body without any framing otherwise, and the server rightly reads it as a second request.
      headers: { connection: 'close', ...(req.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(req.body)) }), ...req.headers },
      // Nothing in the fuzz is meant to test Node's own header parser.
      insecureHTTPParser: false,
    }, (res) => {
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.destroy();
        r.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '', bytes: Buffer.alloc(0) });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString('utf8'), bytes });
      });
      res.on('error', reject);
    });
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer to ${req.method} ${req.path.slice(0, 200)} in ${timeoutMs} ms`)));
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}
