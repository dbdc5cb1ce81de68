#!/usr/bin/env node
// A tiny static server for the token inspector: the repository's www/ and pkg/ on 127.0.0.1,
// nothing else. No dependencies.
//
//   node scripts/serve.mjs [port]      # or PORT=… ; default 8080, 0 = a random free port
//
// import { serve } from './scripts/serve.mjs'; const { url, close } = await serve({ port: 0 });
import http from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** The only directories served, by their URL prefix. */
const MOUNTS = ['www', 'pkg'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

function reply(res, status, headers, body = '') {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * The file a URL path names, or null: only regular files under ROOT/www or ROOT/pkg, after
 * decoding, normalising and resolving symlinks (so neither `..`, `%2e%2e`, backslashes nor a
 * symlink can reach outside them).
 */
async function fileFor(pathname) {
  let path;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const mount = MOUNTS.find((m) => path === `/${m}` || path.startsWith(`/${m}/`));
  if (!mount) return null;
  const base = join(ROOT, mount);
  let file = resolve(base, `.${path.slice(mount.length + 1)}`);
  if (file !== base && !file.startsWith(base + sep)) return null;
  try {
    const realBase = await realpath(base);
    let info = await stat(file);
    if (info.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file);
    }
    const real = await realpath(file);
    if (!real.startsWith(realBase + sep) || !info.isFile()) return null;
    return { file: real, size: info.size };
  } catch {
    return null;
  }
}

async function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return reply(res, 405, { allow: 'GET, HEAD' }, 'method not allowed\n');
  }
  let url;
  try {
    url = new URL(req.url, 'http://127.0.0.1');
  } catch {
    return reply(res, 400, {}, 'bad request\n');
  }
  const { pathname } = url;
  if (pathname === '/' || pathname === '/index.html') return reply(res, 302, { location: '/www/' }, 'see /www/\n');
  // Directories need their trailing slash, so that relative URLs in index.html resolve.
  if (MOUNTS.some((m) => pathname === `/${m}`)) return reply(res, 301, { location: `${pathname}/${url.search}` });
  const found = await fileFor(pathname);
  if (!found) return reply(res, 404, {}, 'not found\n');
  if (pathname.endsWith('/') === false && found.file.endsWith(`${sep}index.html`) && !pathname.endsWith('index.html')) {
    return reply(res, 301, { location: `${pathname}/${url.search}` });
  }
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'content-type': TYPES[extname(found.file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': found.size,
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(found.file).on('error', () => res.destroy()).pipe(res);
}

/**
 * Starts the server on 127.0.0.1. `port` 0 picks a free port.
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>} `url` is the inspector's
 */
export function serve({ port = 8080 } = {}) {
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, {}, 'internal error\n');
      else res.destroy();
    });
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(Number(port), '127.0.0.1', () => {
      server.off('error', fail);
      const actual = server.address().port;
      ok({
        url: `http://127.0.0.1:${actual}/www/`,
        port: actual,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const raw = process.argv[2] ?? process.env.PORT ?? '8080';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve.mjs: not a port: ${raw}`);
    process.exit(2);
  }
  serve({ port }).then(({ url, close }) => {
    console.log(`Inspector: ${url}`);
    const stop = () => close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }, (err) => {
    console.error(`serve.mjs: cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  });
}
