// jwtgate in a real browser: pkg/ is served over http (127.0.0.1, random port) next to a
// generated test page that maps 'jwtgate' to /pkg/src/runtime/browser.mjs with an import map; Debian's
// chromium loads it through playwright-core. Tokens are signed by jose in Node.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import * as jose from 'jose';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const pkg = resolve(import.meta.dirname, '../../pkg');
const artifacts = resolve(import.meta.dirname, '.artifacts');
const TYPES = { '.wasm': 'application/wasm', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json' };

const PAGE = `<!doctype html><meta charset="utf-8"><title>jwtgate browser test</title><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "jwtgate": "/pkg/src/runtime/browser.mjs" } }</script>
<h1>jwtgate in chromium</h1><pre id="out">loading…</pre>
<script type="module">
  import * as jwtgate from 'jwtgate';
  window.jwtgate = jwtgate;
  window.log = (line) => { document.getElementById('out').textContent += '\\n' + line; };
  document.getElementById('out').textContent = 'module loaded';
</script>`;

/** Serves PAGE at / and pkg/ under /pkg/; records what was served (with which type) and 404s. */
function serve() {
  const served = [];
  const missing = [];
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/' || path === '/index.html') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    const file = resolve(pkg, `.${path.replace(/^\/pkg\//, '/')}`);
    if (!path.startsWith('/pkg/') || !file.startsWith(pkg + sep) || !existsSync(file) || !statSync(file).isFile()) {
      missing.push(path);
      return res.writeHead(404).end();
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    served.push({ path, type });
    res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, served, missing, base: `http://127.0.0.1:${server.address().port}` })));
}

describe('jwtgate in chromium', { skip: existsSync(CHROMIUM) ? false : `chromium not installed at ${CHROMIUM}` }, () => {
  let http_, browser, page;
  const problems = []; // console warnings/errors and page errors, from every page
  const fixtures = {}; // alg -> { privateKey, jwks }

  /** A fresh page with the module loaded (not initialized). */
  async function openPage() {
    const p = await browser.newPage();
    p.on('console', (m) => { if (['warning', 'error'].includes(m.type())) problems.push(`console.${m.type()}: ${m.text()}`); });
    p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await p.goto(`${http_.base}/`);
    await p.waitForFunction(() => window.jwtgate);
    return p;
  }

  /** Verifies `token` in the page; returns { ok, payload } or { ok: false, code }. */
  const verifyIn = (alg, token) => page.evaluate(({ token, jwks, alg }) => {
    const { KeySet, Verifier } = window.jwtgate;
    try {
      const { payload } = new Verifier({ keys: KeySet.fromJwks(jwks), algorithms: [alg], issuer: 'https://issuer.example' }).verify(token);
      window.log(`${alg}: ok, sub=${payload.sub}`);
      return { ok: true, payload };
    } catch (e) {
      window.log(`${alg}: ${e.code}`);
      return { ok: false, code: e.code, name: e.name };
    }
  }, { token, jwks: fixtures[alg].jwks, alg });

  const sign = (alg, exp = '1h') => new jose.SignJWT({ sub: `user-${alg}` }).setProtectedHeader({ alg, kid: 'k1' })
    .setIssuer('https://issuer.example').setIssuedAt().setExpirationTime(exp).sign(fixtures[alg].privateKey);

  before(async () => {
    for (const alg of ['RS256', 'EdDSA']) {
      const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
      fixtures[alg] = { privateKey, jwks: { keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'k1', alg }] } };
    }
    http_ = await serve();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    try {
      if (page) {
        mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: join(artifacts, 'browser.png') });
      }
    } finally {
      await browser?.close();
      if (http_) { http_.server.closeAllConnections(); await new Promise((ok) => http_.server.close(ok)); }
    }
  });

  test('using the API before init() throws ERR_JWTGATE_NOT_INITIALIZED', async () => {
    const early = await openPage();
    const result = await early.evaluate((jwks) => {
      const { KeySet, isReady, JwtGateError } = window.jwtgate;
      try { KeySet.fromJwks(jwks); return { threw: false }; } catch (e) {
        return { threw: true, code: e.code, isJwtGateError: e instanceof JwtGateError, ready: isReady() };
      }
    }, fixtures.RS256.jwks);
    await early.close();
    assert.deepEqual(result, { threw: true, code: 'ERR_JWTGATE_NOT_INITIALIZED', isJwtGateError: true, ready: false });
  });

  test('before init(): new Authorizer throws ERR_JWTGATE_NOT_INITIALIZED; an edge guard made then works once a request loads the wasm', async () => {
    const early = await openPage();
    const result = await early.evaluate(async (jwks) => {
      const { createEdgeGuard } = await import('/pkg/src/adapters/edge.mjs');
      const { Authorizer } = await import('/pkg/src/adapters/authorizer.mjs');
      let code;
      try { new Authorizer({ jwks }); } catch (e) { code = e.code; }
      const guard = createEdgeGuard({ jwks, log: false }); // as a worker's module scope does
      const auth = await guard(new Request('https://api.example/x'));
      return { code, status: auth.response?.status, ready: window.jwtgate.isReady() };
    }, fixtures.RS256.jwks);
    await early.close();
    assert.deepEqual(result, { code: 'ERR_JWTGATE_NOT_INITIALIZED', status: 401, ready: true });
  });

  test('init() fetches the wasm (application/wasm) and makes the package ready', async () => {
    page = await openPage();
    const ready = await page.evaluate(async () => { await window.jwtgate.init(); await window.jwtgate.init(); window.log('init done'); return window.jwtgate.isReady(); });
    assert.equal(ready, true);
    assert.ok(http_.served.some((s) => s.path === '/pkg/dist/web/jwtgate_bg.wasm' && s.type === 'application/wasm'));
  });

  for (const alg of ['RS256', 'EdDSA']) {
    test(`a valid ${alg} token verifies`, async () => {
      const result = await verifyIn(alg, await sign(alg));
      assert.deepEqual(result, { ok: true, payload: result.payload });
      assert.equal(result.payload.sub, `user-${alg}`);
      assert.equal(result.payload.iss, 'https://issuer.example');
    });
  }

  test('an expired token gives ERR_JWT_EXPIRED', async () => {
    const result = await verifyIn('EdDSA', await sign('EdDSA', Math.floor(Date.now() / 1000) - 3600));
    assert.deepEqual(result, { ok: false, code: 'ERR_JWT_EXPIRED', name: 'JwtGateError' });
  });

  test('no 404s, console warnings or page errors (e.g. a MIME fallback when instantiating the wasm)', () => {
    assert.deepEqual(http_.missing, []);
    assert.deepEqual(problems, []);
  });
});
