import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error serve.mjs is plain JavaScript with no declarations
import { CSP, startServer } from '../serve.mjs';

let server: Server;
let port: number;

/** A raw GET (the path is sent as written, not normalised by a URL parser). */
function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'duet-serve-'));
  const dist = join(root, 'dist'), model = join(root, 'bundle');
  mkdirSync(dist);
  mkdirSync(model);
  writeFileSync(join(dist, 'index.html'), '<p>page</p>');
  writeFileSync(join(model, 'bundle.json'), '{}');
  writeFileSync(join(root, 'secret.txt'), 'secret');
  server = await startServer({ port: 0, dist, model });
  port = (server.address() as { port: number }).port;
});

afterAll(() => server?.close());

describe('serve.mjs', () => {
  it('serves the page on 127.0.0.1 with a same-origin Content-Security-Policy', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.body).toBe('<p>page</p>');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CSP);
    expect(CSP).toMatch(/^default-src 'self';/);
    expect(CSP).not.toMatch(/https?:|\*/);
    expect((server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('serves the model bundle from its own folder under /model/', async () => {
    const res = await get('/model/bundle.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((await get('/model/none.safetensors')).status).toBe(404);
  });

  it('serves --model FILE as /model/bundle.safetensors and nothing else under /model/', async () => {
    const root = mkdtempSync(join(tmpdir(), 'duet-serve-file-'));
    const dist = join(root, 'dist');
    mkdirSync(dist);
    const bundle = join(root, 'digits.duet.safetensors');
    writeFileSync(bundle, 'BUNDLE');
    writeFileSync(join(root, 'other.safetensors'), 'other');
    const single = await startServer({ port: 0, dist, model: bundle });
    const saved = port;
    port = (single.address() as { port: number }).port;
    try {
      const res = await get('/model/bundle.safetensors');
      expect(res.status).toBe(200);
      expect(res.body).toBe('BUNDLE');
      expect(res.headers['content-type']).toBe('application/octet-stream');
      for (const path of ['/model/other.safetensors', '/model/digits.duet.safetensors', '/model/', '/model/../other.safetensors']) expect((await get(path)).status, path).toBe(404);
    } finally {
      port = saved;
      single.close();
    }
  });

  it('answers 404 for paths that leave its folders, 405 for anything but GET and HEAD', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/model/..%2f..%2fsecret.txt', '/%E0%A4%A', '/missing.js']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('secret');
    }
    expect((await get('/', 'POST')).status).toBe(405);
  });
});
