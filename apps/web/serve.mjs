// Serves the built page (dist/) on 127.0.0.1 with node:http, and a model bundle under /model/
// (default: dist/model; --model DIR for another folder, whose bundle.safetensors the page
// loads, or --model FILE for a bundle written by `duet export`, served as
// /model/bundle.safetensors). Usage:
//   node apps/web/serve.mjs [--port N] [--model DIR|FILE]
// The Content-Security-Policy keeps the page on its own origin: it can fetch, connect to and
// load nothing from anywhere else.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '.wav': 'audio/wav',
  '.png': 'image/png',
};

// 'self' for everything; blob: and data: images for the canvases' exports; no inline script.
export const CSP = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The file under `root` a URL path names, or null when it leaves root or is not a file. */
function fileFor(root, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(root, path));
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Starts the server; resolves to it once listening (port 0 picks a free one). */
export function startServer({ port = 8080, dist = join(here, 'dist'), model = join(dist, 'model') } = {}) {
  const roots = { site: resolve(dist), model: resolve(model) };
  // A single bundle file is the folder's bundle.safetensors and nothing else.
  const modelFile = isFile(roots.model) ? roots.model : null;
  const server = createServer((req, res) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const url = req.url ?? '/';
    const modelPath = url.startsWith('/model/') ? url.slice('/model'.length).split('?')[0] : null;
    const file = modelPath === null ? fileFor(roots.site, url) : modelFile ? (modelPath === '/bundle.safetensors' ? modelFile : null) : fileFor(roots.model, modelPath);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePromise(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, model: { type: 'string' } } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: --port must be an integer in 0..65535, got ${values.port}`);
    process.exit(2);
  }
  try {
    statSync(join(here, 'dist', 'index.html'));
  } catch {
    console.error('serve: apps/web/dist/index.html is missing; build the page first (npm run build)');
    process.exit(1);
  }
  const server = await startServer({ port, model: values.model ? resolve(values.model) : undefined }).catch((error) => {
    console.error(`serve: cannot listen on 127.0.0.1:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use (try --port N)' : error.message}`);
    process.exit(1);
  });
  const address = server.address();
  console.log(`Duet is served at http://127.0.0.1:${address.port}/ (Ctrl+C stops it)`);
}
