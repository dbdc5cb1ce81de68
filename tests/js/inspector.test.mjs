// The token inspector (www/) in Chromium, served by scripts/serve.mjs. Tokens are signed by
// jose in Node and pasted in with page.fill; the expected error codes and messages come from
// the same package built for Node, so the page must show exactly what a server would see.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as jose from 'jose';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';
import * as jwtgate from '../../pkg/src/runtime/node.mjs';
import { Authorizer } from '../../pkg/src/adapters/lambda.mjs';
import { apigwEvent, createTestIssuer } from '../../pkg/src/testing/index.mjs';

const CHROMIUM = '/usr/bin/chromium';
const artifacts = resolve(import.meta.dirname, '.artifacts');
const SECRET = 'inspector-test-secret-0123456789abcdef'; // 38 bytes: enough for HS256
const now = () => Math.floor(Date.now() / 1000);

/** GET with a raw (unnormalised) path, so `..` reaches the server as typed. */
function rawGet(base, path) {
  const { hostname, port } = new URL(base);
  return new Promise((ok, fail) => {
    http.get({ hostname, port, path }, (res) => {
      res.resume();
      res.on('end', () => ok({ status: res.statusCode, type: res.headers['content-type'], location: res.headers.location }));
    }).on('error', fail);
  });
}

/**
 * What IAM answers for `arn` under `document`, by a matcher of the test's own (IAM's `*` and `?`
 * as a regular expression; a Deny wins, then an Allow), not the page's.
 */
function effectFor(document, arn) {
  const glob = (pattern) => [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('');
  const matches = (pattern) => new RegExp(`^${glob(pattern)}$`, 's').test(arn);
  const effects = document.Statement.filter((s) => [s.Resource].flat().some(matches)).map((s) => s.Effect);
  if (effects.includes('Deny')) return 'Deny';
  return effects.includes('Allow') ? 'Allow' : 'Deny';
}

/** What the Node build of the package says about `token` with these options. */
function packageError(token, keys, options = {}) {
  try {
    new jwtgate.Verifier({ keys, ...options }).verify(token);
  } catch (err) {
    return { code: err.code, message: err.message, claim: err.claim, reason: err.reason };
  }
  throw new Error('expected the package to reject the token');
}

describe('token inspector (www/) in chromium', { skip: existsSync(CHROMIUM) ? false : `chromium not installed at ${CHROMIUM}` }, () => {
  let server, browser;
  const problems = []; // console errors/warnings (CSP violations included) and page errors
  const fixtures = {};

  /** Opens the inspector; every request after it is ready is recorded in `page.requests`. */
  async function open({ viewport = { width: 1280, height: 900 } } = {}) {
    const page = await browser.newPage({ viewport });
    page.initial = [];
    page.requests = [];
    let loaded = false;
    page.on('console', (m) => { if (['warning', 'error'].includes(m.type())) problems.push(`console.${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => (loaded ? page.requests : page.initial).push(`${r.method()} ${r.url()}`));
    await page.goto(server.url);
    await page.waitForSelector('html[data-ready="true"]');
    await page.waitForLoadState('networkidle');
    loaded = true;
    return page;
  }

  const shot = (page, name, fullPage = true) => page.screenshot({ path: join(artifacts, `inspector-${name}.png`), fullPage });

  async function pasteToken(page, token) {
    await page.fill('#token', token);
    const expected = token.trim().replace(/^bearer\s+/i, '');
    await page.waitForFunction((t) => document.querySelector('#raw').textContent === t, expected);
  }

  /** Fills the key box and waits for a verdict (the page re-verifies as you type). */
  async function pasteKey(page, key) {
    await page.fill('#key', key);
    await page.click('#verify');
    return page.waitForFunction(() => {
      const out = document.querySelector('#verify-result');
      return ['valid', 'invalid', 'key-error'].includes(out.dataset.outcome) && out.dataset;
    }).then((h) => h.jsonValue());
  }

  const verdict = (page) => page.evaluate(() => {
    const out = document.querySelector('#verify-result');
    const text = (sel) => out.querySelector(sel)?.textContent;
    return {
      outcome: out.dataset.outcome,
      verdict: text('.verdict'),
      code: text('.err-code'),
      message: text('.err-message'),
      claim: text('.err-claim'),
      reason: text('.err-reason'),
    };
  });

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    const rs = await jose.generateKeyPair('RS256', { extractable: true });
    const other = await jose.generateKeyPair('RS256', { extractable: true });
    const es = await jose.generateKeyPair('ES256', { extractable: true });
    fixtures.rsPrivate = rs.privateKey;
    fixtures.jwks = { keys: [{ ...(await jose.exportJWK(rs.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }] };
    fixtures.otherJwks = { keys: [{ ...(await jose.exportJWK(other.publicKey)), kid: 'rsa-1', alg: 'RS256' }] };
    fixtures.esPrivate = es.privateKey;
    fixtures.esPem = await jose.exportSPKI(es.publicKey);
    const t = now();
    const hs = (claims, header = {}) => new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header })
      .sign(new TextEncoder().encode(SECRET));
    fixtures.claims = {
      iss: 'https://idp.example', sub: 'alice', aud: 'orders-api', scope: 'pets:read profile',
      iat: t - 3600, nbf: t - 3600, exp: t + 270, role: 'guest', tenant: 't1',
    };
    fixtures.hs = await hs(fixtures.claims);
    fixtures.expired = await hs({ ...fixtures.claims, iat: t - 3 * 3600, nbf: t - 3 * 3600, exp: t - 2 * 3600 - 5 });
    fixtures.rs = await new jose.SignJWT({ sub: 'bob', iss: 'https://idp.example', aud: 'orders-api' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).setIssuedAt().setExpirationTime('10m').sign(rs.privateKey);
    fixtures.es = await new jose.SignJWT({ sub: 'carol', iss: 'https://idp.example', aud: 'orders-api' })
      .setProtectedHeader({ alg: 'ES256' }).setIssuedAt().setExpirationTime('10m').sign(es.privateKey);
    fixtures.policy = JSON.stringify({
      principalId: 'sub',
      context: { tenant: 'tenant' },
      rules: [
        { id: 'read-pets', effect: 'allow', routes: ['GET /pets', 'GET /pets/{petId}'], scopes: { anyOf: ['pets:read'] } },
        { id: 'write-pets', effect: 'allow', routes: ['POST /pets'], scopes: { allOf: ['pets:write'] } },
        { id: 'no-guests-in-admin', effect: 'deny', routes: ['* /admin/**'], when: [{ claim: 'role', equals: 'guest' }] },
      ],
    }, null, 2);

    server = await serve({ port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('serve.mjs: MIME types, / redirects to /www/, only www/ and pkg/ are reachable', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/www\/$/);
    const base = server.url.replace(/\/www\/$/, '');
    const root = await rawGet(base, '/');
    assert.equal(root.status, 302);
    assert.equal(root.location, '/www/');
    assert.equal((await rawGet(base, '/www')).status, 301);
    const types = {
      '/www/': 'text/html', '/www/app.js': 'text/javascript', '/www/style.css': 'text/css',
      '/pkg/src/runtime/browser.mjs': 'text/javascript', '/pkg/dist/web/jwtgate_bg.wasm': 'application/wasm',
      '/pkg/package.json': 'application/json',
    };
    for (const [path, type] of Object.entries(types)) {
      const res = await rawGet(base, path);
      assert.equal(res.status, 200, path);
      assert.equal(res.type.split(';')[0], type, path);
    }
    for (const path of ['/package.json', '/src/lib.rs', '/www/../package.json', '/pkg/../Cargo.toml', '/www/%2e%2e/Cargo.toml',
      '/www/..%2f..%2fetc/passwd', '/pkg/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/www/..\\Cargo.toml', '/www/%00', '/www/nope.js', '/.git/config']) {
      assert.equal((await rawGet(base, path)).status, 404, path);
    }
  });

  test('a valid token: segments colour-coded, claims explained with UTC, local and relative times', async () => {
    const page = await open();
    await pasteToken(page, `Bearer ${fixtures.hs}\n`);
    const [h, p, s] = fixtures.hs.split('.');
    const view = await page.evaluate(() => {
      const text = (sel) => document.querySelector(sel)?.textContent;
      const row = (claim) => document.querySelector(`#claims-table tr[data-claim="${claim}"]`);
      return {
        header: text('#raw .seg-header'), payload: text('#raw .seg-payload'), signature: text('#raw .seg-signature'),
        colours: ['header', 'payload', 'signature'].map((n) => getComputedStyle(document.querySelector(`#raw .seg-${n}`)).color),
        status: text('#decode-status'),
        headerJson: JSON.parse(text('#header-json')),
        payloadJson: JSON.parse(text('#payload-json')),
        claims: [...document.querySelectorAll('#claims-table tbody tr')].map((r) => r.dataset.claim),
        exp: { utc: row('exp').querySelector('.utc').textContent, local: row('exp').querySelector('.local').textContent, rel: row('exp').querySelector('.rel').textContent },
        iat: row('iat').querySelector('.rel').textContent,
        nbf: row('nbf').querySelector('.rel').textContent,
        issMeaning: row('iss').textContent,
        alg: document.querySelector('#header-table tr[data-param="alg"]').textContent,
        warnings: [...document.querySelectorAll('#warnings li')].map((li) => `${li.dataset.severity} ${li.dataset.code}`),
        signatureInfo: text('#signature-info'),
        localExpected: new Date(Number(JSON.parse(text('#payload-json')).exp) * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'long' }),
      };
    });
    assert.deepEqual([view.header, view.payload, view.signature], [h, p, s]);
    assert.equal(new Set(view.colours).size, 3, 'three distinct segment colours');
    assert.match(view.status, /Decoded \(not verified\)/);
    assert.match(view.status, /"Bearer " prefix removed/);
    assert.deepEqual(view.headerJson, { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(view.payloadJson, fixtures.claims);
    assert.deepEqual(view.claims.slice(0, 6), ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat'], 'registered claims first');
    assert.equal(view.exp.utc, `${new Date(fixtures.claims.exp * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
    assert.equal(view.exp.local, view.localExpected);
    assert.equal(view.exp.rel, 'expires in 4 min');
    assert.equal(view.iat, 'issued 1 h ago');
    assert.equal(view.nbf, 'valid since 1 h ago');
    assert.match(view.issMeaning, /Issuer/);
    assert.match(view.alg, /Signature algorithm/);
    assert.deepEqual(view.warnings, ['low ALG_SYMMETRIC']);
    assert.match(view.signatureInfo, /^32 bytes\./);
    await shot(page, 'decoded');

    await pasteToken(page, fixtures.expired);
    const expired = await page.evaluate(() => ({
      rel: document.querySelector('#claims-table tr[data-claim="exp"] .rel').textContent,
      warnings: [...document.querySelectorAll('#warnings li')].map((li) => `${li.dataset.severity} ${li.dataset.code}`),
    }));
    assert.equal(expired.rel, 'expired 2 h ago');
    assert.ok(expired.warnings.some((w) => w.endsWith(' EXPIRED')), expired.warnings.join());

    // "Evaluate at": relative times and time-based warnings at another instant.
    const at = new Date((fixtures.claims.exp - 7200) * 1000);
    const local = new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
    await pasteToken(page, fixtures.hs);
    await page.fill('#at', local);
    await page.waitForFunction(() => /at the evaluation time/.test(document.querySelector('#claims-table tr[data-claim="exp"] .rel').textContent));
    assert.equal(await page.textContent('#claims-table tr[data-claim="exp"] .rel'), 'expires in 2 h (at the evaluation time)');
    assert.equal(await page.textContent('#claims-table tr[data-claim="nbf"] .rel'), 'not valid for another 55 min (at the evaluation time)');
    assert.ok(await page.$('#warnings li[data-code="NOT_YET_VALID"]'));
    assert.deepEqual(page.requests, []);
    await page.close();
  });

  test('verify with an HMAC secret: valid, wrong secret, expired, wrong issuer (the package\'s codes and messages)', async () => {
    const page = await open();
    await pasteToken(page, fixtures.hs);
    await page.fill('#issuer', 'https://idp.example');
    await page.fill('#audience', 'other-api, orders-api');
    assert.equal((await pasteKey(page, SECRET)).outcome, 'valid');
    let v = await verdict(page);
    assert.match(v.verdict, /Valid: signature verified with HS256/);
    assert.match(await page.textContent('#signature-verdict'), /Verified with HS256/);
    assert.match(await page.textContent('#key-detected'), /HMAC secret, HS256 \(from the token header\)/);
    await shot(page, 'verify-valid');

    const hsKeys = (s) => jwtgate.KeySet.fromSecret(s, { alg: 'HS256' });
    await pasteKey(page, `${SECRET}-wrong`);
    v = await verdict(page);
    const wrong = packageError(fixtures.hs, hsKeys(`${SECRET}-wrong`));
    assert.equal(v.outcome, 'invalid');
    assert.equal(v.code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    assert.equal(v.message, wrong.message);
    await shot(page, 'verify-wrong-secret');

    await pasteKey(page, SECRET);
    await pasteToken(page, fixtures.expired);
    await page.click('#verify');
    v = await verdict(page);
    const expired = packageError(fixtures.expired, hsKeys(SECRET), { issuer: 'https://idp.example', audience: ['other-api', 'orders-api'] });
    // The page verified a moment before the package did here: the seconds may differ by one.
    const ago = (message) => Number(/expired (\d+) s ago/.exec(message)?.[1]);
    const anyAgo = (message) => message.replace(/expired \d+ s ago/, 'expired … s ago');
    assert.deepEqual({ code: v.code, message: anyAgo(v.message), claim: v.claim, reason: v.reason },
      { code: 'ERR_JWT_EXPIRED', message: anyAgo(expired.message), claim: expired.claim, reason: expired.reason });
    assert.ok(ago(expired.message) - ago(v.message) <= 2 && ago(expired.message) >= ago(v.message), `${v.message} / ${expired.message}`);
    assert.equal(expired.claim, 'exp');
    await shot(page, 'verify-expired');

    // A generous clock tolerance accepts it; then a wrong issuer is a claim failure.
    await page.fill('#tolerance', '3h');
    await page.click('#verify');
    assert.equal((await verdict(page)).outcome, 'valid');
    await page.fill('#issuer', 'https://evil.example');
    await page.click('#verify');
    v = await verdict(page);
    assert.deepEqual([v.code, v.claim, v.reason], ['ERR_JWT_CLAIM_VALIDATION_FAILED', 'iss', 'check_failed']);

    // An unusable key: the package's key error, shown as such.
    await page.fill('#tolerance', '');
    await pasteKey(page, 'short');
    v = await verdict(page);
    assert.equal(v.outcome, 'key-error');
    assert.equal(v.code, 'ERR_JWK_INVALID');
    assert.deepEqual(page.requests, []);
    await page.close();
  });

  test('verify with a JWKS (RS256) and with a PEM public key (ES256), auto-detected', async () => {
    const page = await open();
    await pasteToken(page, fixtures.rs);
    assert.equal((await pasteKey(page, JSON.stringify(fixtures.jwks, null, 2))).outcome, 'valid');
    assert.match((await verdict(page)).verdict, /RS256/);
    assert.match(await page.textContent('#key-detected'), /JWKS; 1 usable key/);
    assert.match(await page.textContent('#verify-result details.keys'), /RS256, RSA, kid rsa-1, 2048 bits/);

    await pasteKey(page, JSON.stringify(fixtures.otherJwks));
    const v = await verdict(page);
    assert.equal(v.code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    assert.equal(v.message, packageError(fixtures.rs, jwtgate.KeySet.fromJwks(fixtures.otherJwks)).message);

    // One JWK, chosen explicitly.
    await page.selectOption('#key-kind', 'jwk');
    assert.equal((await pasteKey(page, JSON.stringify(fixtures.jwks.keys[0]))).outcome, 'valid');
    await page.selectOption('#key-kind', 'auto');

    await pasteToken(page, fixtures.es);
    assert.equal((await pasteKey(page, fixtures.esPem)).outcome, 'valid');
    assert.match((await verdict(page)).verdict, /ES256/);
    assert.match(await page.textContent('#key-detected'), /PEM public key, ES256 \(from the token header\)/);
    // The algorithm selector pins the key: ES384 cannot verify an ES256 token.
    await page.selectOption('#alg', 'ES384');
    await page.click('#verify');
    const pinned = await verdict(page);
    assert.equal(pinned.outcome === 'invalid' || pinned.outcome === 'key-error', true);
    assert.equal(pinned.code, (() => {
      try { return packageError(fixtures.es, jwtgate.KeySet.fromPem(fixtures.esPem, { alg: 'ES384' })).code; } catch (e) { return e.code; }
    })());
    await shot(page, 'verify-pem-pinned');
    assert.deepEqual(page.requests, []);
    await page.close();
  });

  test('policy simulator: allowed, denied with the trace, and load errors with the JSON path', async () => {
    const page = await open();
    await pasteToken(page, fixtures.hs);
    await page.fill('#policy', fixtures.policy);
    await page.fill('#method', 'GET');
    await page.fill('#path', '/pets/7');
    await page.click('#decide');
    const read = (p) => p.evaluate(() => {
      const out = document.querySelector('#policy-result');
      return {
        allowed: out.dataset.allowed,
        verdict: out.querySelector('.verdict')?.textContent,
        reason: out.querySelector('.reason')?.textContent,
        text: out.textContent,
        trace: [...out.querySelectorAll('.trace tbody tr')].map((tr) => ({
          rule: tr.dataset.rule,
          cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
          decisive: tr.classList.contains('decisive'),
        })),
      };
    });
    const expected = (method, path) => new jwtgate.Policy(fixtures.policy).decide({ method, path, claims: fixtures.claims }).decision;
    let r = await read(page);
    assert.equal(r.allowed, 'true');
    assert.equal(r.verdict, '✓ ALLOW GET /pets/7');
    assert.equal(r.reason, expected('GET', '/pets/7').reason);
    assert.match(r.text, /NOT verified/);
    assert.deepEqual(r.trace.map((t) => [t.rule, t.decisive]), [['read-pets', true], ['write-pets', false], ['no-guests-in-admin', false]]);
    assert.deepEqual(r.trace[1].cells, ['allow', 'no', 'route', 'POST /pets', 'GET /pets/7']);
    await shot(page, 'policy-allowed');

    await page.fill('#method', 'POST');
    await page.fill('#path', '/pets');
    await page.click('#decide');
    r = await read(page);
    assert.equal(r.allowed, 'false');
    assert.equal(r.reason, expected('POST', '/pets').reason);
    assert.deepEqual(r.trace[1].cells, ['allow', 'no', 'scopes', 'allOf pets:write', '["pets:read","profile"]']);

    // Verify first: the claims are then the verified ones; a deny rule decides.
    await pasteKey(page, SECRET);
    await page.fill('#method', 'DELETE');
    await page.fill('#path', '/admin/users/3');
    await page.click('#decide');
    r = await read(page);
    assert.equal(r.allowed, 'false');
    assert.equal(r.reason, 'denied by rule "no-guests-in-admin"');
    assert.match(r.text, /from the verified token/);
    assert.deepEqual(r.trace.find((t) => t.decisive)?.rule, 'no-guests-in-admin');
    assert.deepEqual(r.trace[0].cells, ['allow', 'no', 'route', 'GET /pets | GET /pets/{petId}', 'DELETE /admin/users/3']);
    await shot(page, 'policy-denied');

    const broken = JSON.parse(fixtures.policy);
    broken.rules[1].effect = 'maybe';
    await page.fill('#policy', JSON.stringify(broken, null, 2));
    await page.click('#decide');
    const err = await page.evaluate(() => ({
      outcome: document.querySelector('#policy-result').dataset.outcome,
      code: document.querySelector('#policy-result .err-code')?.textContent,
      field: document.querySelector('#policy-result .err-field')?.textContent,
      message: document.querySelector('#policy-result .err-message')?.textContent,
    }));
    let pkgErr;
    try { new jwtgate.Policy(broken); } catch (e) { pkgErr = e; }
    assert.deepEqual(err, { outcome: 'policy-error', code: 'ERR_POLICY_INVALID', field: '$.rules[1].effect', message: pkgErr.message });

    await page.fill('#policy', '{\n  "rules": [\n    { "id": "x", }\n  ]\n}');
    await page.click('#decide');
    assert.match(await page.textContent('#policy-result .snippet'), /Line 3, column/);
    assert.deepEqual(page.requests, []);
    await page.close();
  });

  test('malformed input is explained: which segment, which byte, the package\'s code and message', async () => {
    const page = await open();
    const [h, p, s] = fixtures.hs.split('.');
    const bad = `${h}.${p.slice(0, 17)}+${p.slice(18)}.${s}`;
    let expectedErr;
    try { jwtgate.decode(bad); } catch (e) { expectedErr = e; }
    await page.fill('#token', bad);
    await page.waitForSelector('#decode-error:not([hidden])');
    const view = await page.evaluate(() => ({
      code: document.querySelector('#decode-error .err-code').textContent,
      message: document.querySelector('#decode-error .err-message').textContent,
      items: [...document.querySelectorAll('#decode-error li')].map((li) => li.textContent),
      marked: document.querySelector('#raw mark.bad-byte')?.textContent,
      markedIn: document.querySelector('#raw mark.bad-byte')?.closest('.seg')?.className,
      decodedShown: document.querySelector('#decoded').checkVisibility(),
      placeholder: document.querySelector('#decoded-empty').textContent,
    }));
    assert.equal(view.code, expectedErr.code);
    assert.equal(view.message, expectedErr.message);
    assert.match(view.message, /segment 2 \(payload\).*'\+'.*at offset 17/);
    assert.match(view.items.join('\n'), /segment 2, the payload/);
    assert.match(view.items.join('\n'), new RegExp(`Offset 17 of that segment \\(0-based; character ${h.length + 1 + 17 + 1} of the token\\) is '\\+'`));
    assert.match(view.items.join('\n'), /base64url/);
    assert.equal(view.marked, '+');
    assert.equal(view.markedIn, 'seg seg-payload');
    assert.equal(view.decodedShown, false);
    assert.match(view.placeholder, /does not decode/);
    await shot(page, 'malformed');

    await pasteToken(page, `${h}.${p}`);
    assert.match(await page.textContent('#decode-error'), /has 1 dots[\s\S]*signature segment \(and its dot\) is missing/);

    const notJson = `${h}.${Buffer.from('{"sub": x}').toString('base64url')}.${s}`;
    await pasteToken(page, notJson);
    assert.match(await page.textContent('#decode-error'), /invalid JSON: expected value at line 1 column 9[\s\S]*line 1, column 9/);
    assert.equal(await page.textContent('#decode-error .snippet mark'), 'x');
    assert.deepEqual(page.requests, []);
    await page.close();
  });

  test('alg "none" is a high-severity warning, listed first, and never verifies', async () => {
    const page = await open();
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', admin: true, exp: now() + 600 })}.`;
    await pasteToken(page, none);
    const warnings = await page.$$eval('#warnings li', (lis) => lis.map((li) => ({
      code: li.dataset.code, severity: li.dataset.severity, badge: li.querySelector('.sev').textContent, text: li.textContent,
    })));
    assert.deepEqual(warnings[0].code, 'ALG_NONE');
    assert.equal(warnings[0].severity, 'high');
    assert.equal(warnings[0].badge, 'HIGH');
    const order = warnings.map((w) => ({ high: 0, medium: 1, low: 2 })[w.severity]);
    assert.deepEqual(order, [...order].sort(), 'sorted by severity');
    assert.equal(await page.textContent('#signature-text'), '(empty)');
    await shot(page, 'alg-none');
    await pasteKey(page, SECRET);
    const v = await verdict(page);
    assert.equal(v.code, packageError(none, jwtgate.KeySet.fromSecret(SECRET, { alg: 'HS256' })).code);
    assert.equal(v.code, 'ERR_JOSE_ALG_NOT_ALLOWED');
    assert.deepEqual(page.requests, []);
    await page.close();
  });

  test('no network request while decoding, verifying and simulating; initial assets are the page\'s own', async () => {
    const page = await open();
    const origin = new URL(server.url).origin;
    for (const url of page.initial) {
      const u = new URL(url.split(' ')[1]);
      assert.equal(u.origin, origin, url);
      assert.match(u.pathname, /^\/(www|pkg)\//, url);
    }
    await pasteToken(page, fixtures.rs);
    await pasteKey(page, JSON.stringify(fixtures.jwks));
    await page.fill('#issuer', 'https://idp.example');
    await page.fill('#audience', 'orders-api');
    await page.click('#verify');
    await page.click('#policy-example');
    await page.fill('#path', '/pets');
    await page.click('#decide');
    await pasteToken(page, 'not a token');
    await pasteToken(page, fixtures.hs);
    await pasteKey(page, SECRET);
    await page.fill('#at', '2030-01-01T00:00:00');
    await page.dispatchEvent('#at', 'change');
    await page.waitForTimeout(300); // debounced re-renders, relative-time refresh
    assert.deepEqual(page.requests, []);
    await page.close();
  });

  test('the JWKS URL is fetched only when its button is pressed', async () => {
    const page = await open();
    const jwksUrl = 'https://idp.example/.well-known/jwks.json';
    await page.route(jwksUrl, (route) => route.fulfill({
      status: 200, contentType: 'application/json', headers: { 'access-control-allow-origin': '*' }, body: JSON.stringify(fixtures.jwks),
    }));
    await pasteToken(page, fixtures.rs);
    await page.fill('#jwks-url', jwksUrl);
    await page.waitForTimeout(200);
    assert.deepEqual(page.requests, [], 'typing the URL fetches nothing');
    await page.click('#fetch-jwks');
    await page.waitForFunction(() => document.querySelector('#verify-result').dataset.outcome === 'valid');
    assert.deepEqual(page.requests, [`GET ${jwksUrl}`]);
    assert.equal(await page.inputValue('#key-kind'), 'jwks');
    assert.deepEqual(JSON.parse(await page.inputValue('#key')), fixtures.jwks);
    await page.close();
  });

  test('keyboard: the main controls are reachable with Tab, in order, with a visible focus ring', async () => {
    const page = await open();
    const order = [];
    const rings = {};
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const a = document.activeElement;
        const style = getComputedStyle(a);
        return { id: a.id || a.className || a.tagName, outline: `${style.outlineStyle} ${style.outlineWidth}` };
      });
      order.push(focused.id);
      rings[focused.id] = focused.outline;
    }
    const main = ['token', 'at', 'key-kind', 'alg', 'key', 'secret-encoding', 'jwks-url', 'fetch-jwks', 'issuer', 'audience',
      'tolerance', 'require-exp', 'verify', 'policy', 'policy-example', 'method', 'path', 'decide',
      'cache-shape', 'cache-samples', 'cache-routes', 'cache-example', 'cache-run'];
    const positions = main.map((id) => order.indexOf(id));
    assert.ok(positions.every((p) => p >= 0), `not reached: ${main.filter((id, i) => positions[i] < 0)} (order: ${order})`);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), `logical order: ${order}`);
    for (const id of main) assert.match(rings[id], /^solid [1-9]/, `focus ring on #${id}`);

    // Every form control has a label; results are announced.
    const unlabelled = await page.$$eval('input, select, textarea', (els) => els.filter((e) => !e.labels?.length && !e.getAttribute('aria-label')).map((e) => e.id));
    assert.deepEqual(unlabelled, []);
    assert.equal(await page.getAttribute('#verify-result', 'aria-live'), 'polite');
    assert.equal(await page.getAttribute('#policy-result', 'aria-live'), 'polite');
    assert.equal(await page.getAttribute('#cache-result', 'aria-live'), 'polite');
    assert.equal(await page.getAttribute('#decode-status', 'role'), 'status');

    // Enter on the focused Verify button verifies.
    await pasteToken(page, fixtures.hs);
    await page.fill('#key', SECRET);
    await page.focus('#verify');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#verify-result').dataset.outcome === 'valid');
    await page.locator('#verify-section').screenshot({ path: join(artifacts, 'inspector-focus.png') });
    await page.close();
  });

  test('phone viewport (375x740): no horizontal scroll in any state', async () => {
    const page = await open({ viewport: { width: 375, height: 740 } });
    const overflow = () => page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: window.innerWidth,
      wide: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => `${e.tagName}#${e.id}.${e.className}`).slice(0, 5),
    }));
    const check = async (label) => {
      const o = await overflow();
      assert.ok(o.scroll <= o.width, `${label}: scrollWidth ${o.scroll} > ${o.width}: ${o.wide}`);
    };
    await check('empty');
    await pasteToken(page, fixtures.hs);
    await pasteKey(page, SECRET);
    await page.fill('#policy', fixtures.policy);
    await page.fill('#path', '/admin/x');
    await page.click('#decide');
    await check('decoded, verified, decided');
    await shot(page, 'phone');
    await page.click('#cache-example');
    await page.waitForFunction(() => document.querySelector('#cache-result').dataset.outcome === 'simulated');
    await check('the cache simulated');
    await page.locator('#cache-section').screenshot({ path: join(artifacts, 'inspector-phone-cache.png') });
    const [h, p, s] = fixtures.hs.split('.');
    await page.fill('#token', `${h}.${p.slice(0, 17)}+${p.slice(18)}.${s}`);
    await page.waitForSelector('#decode-error:not([hidden])');
    await check('malformed');
    await shot(page, 'phone-malformed');
    assert.deepEqual(page.requests, []);
    await page.close();
  });

  test('crafting tokens: RS256, ES256 and HS256 (random and given secret) that the page\'s own verifier accepts', async () => {
    const page = await open();
    await page.click('#craft summary');
    const claims = { sub: 'dave', scope: 'pets:read', tenant: 't9' };
    await page.fill('#craft-claims', JSON.stringify(claims));
    await page.fill('#craft-exp', '600');
    /** Signs with the crafter and waits until step 2 has verified the new token. */
    const craft = async (alg, secret = '') => {
      await page.selectOption('#craft-alg', alg);
      await page.fill('#craft-secret', secret);
      const before = await page.inputValue('#token');
      await page.click('#craft-sign');
      await page.waitForFunction((old) => document.querySelector('#token').value !== old
        && document.querySelector('#raw').textContent === document.querySelector('#token').value
        && ['valid', 'invalid', 'key-error'].includes(document.querySelector('#verify-result').dataset.outcome), before);
      return { token: await page.inputValue('#token'), key: await page.inputValue('#key'), encoding: await page.inputValue('#secret-encoding'), v: await verdict(page) };
    };
    for (const alg of ['RS256', 'ES256', 'HS256']) {
      const { token, key, encoding, v } = await craft(alg);
      assert.equal(v.outcome, 'valid', `${alg}: ${JSON.stringify(v)}`);
      assert.match(v.verdict, new RegExp(`verified with ${alg}`));
      // The package in Node agrees: the token is a real one, signed by the key step 2 holds.
      const keys = alg === 'HS256' ? jwtgate.KeySet.fromSecret(Buffer.from(key, 'hex'), { alg }) : jwtgate.KeySet.fromJwks(key);
      assert.equal(encoding, alg === 'HS256' ? 'hex' : 'utf8');
      const { header, payload } = new jwtgate.Verifier({ keys, algorithms: [alg] }).verify(token);
      assert.equal(header.alg, alg);
      assert.deepEqual({ sub: payload.sub, scope: payload.scope, tenant: payload.tenant, lifetime: payload.exp - payload.iat }, { ...claims, lifetime: 600 });
      if (alg !== 'HS256') assert.ok(!JSON.parse(key).keys.some((k) => 'd' in k), 'public key only');
    }
    await shot(page, 'craft');

    // A given HMAC secret: it is step 2's key, as text.
    const given = await craft('HS256', SECRET);
    assert.equal(given.v.outcome, 'valid');
    assert.deepEqual([given.key, given.encoding], [SECRET, 'utf8']);
    assert.equal(new jwtgate.Verifier({ keys: jwtgate.KeySet.fromSecret(SECRET, { alg: 'HS256' }) }).verify(given.token).payload.sub, 'dave');

    // The package's own refusals, shown as such.
    await page.selectOption('#craft-alg', 'ES256');
    await page.click('#craft-sign');
    await page.waitForFunction(() => /Not signed/.test(document.querySelector('#craft-status').textContent));
    assert.match(await page.textContent('#craft-status'), /ERR_JWTGATE_INVALID_OPTIONS: .*HMAC/);
    await page.fill('#craft-claims', '[1]');
    await page.click('#craft-sign');
    await page.waitForFunction(() => /JSON object/.test(document.querySelector('#craft-status').textContent));
    assert.deepEqual(page.requests, []);
    await page.close();
  });

  describe('step 4: what API Gateway caches', () => {
    const POLICY = {
      principalId: 'sub',
      context: { tenant: 'tenant' },
      rules: [
        { id: 'read-pets', effect: 'allow', routes: ['GET /pets', 'GET /pets/{petId}', 'GET /pets/{petId}/toys/{toyId}'], scopes: { anyOf: ['pets:read'] } },
        { id: 'tenant', effect: 'allow', routes: ['GET /tenants/{tenantId}/orders'], when: [{ claim: 'tenant', equalsParam: 'tenantId' }] },
        { id: 'no-delete', effect: 'deny', routes: ['DELETE /pets/{petId}'] },
        { id: 'chat', effect: 'allow', routes: ['$connect'] },
      ],
    };
    const ROUTES = ['GET /pets', 'GET /pets/{petId}', 'GET /pets/{petId}/toys/{toyId}', 'GET /tenants/{tenantId}/orders', 'DELETE /pets/{petId}', 'POST /pets'];
    // Each route with its sample path: `tenantId = t1, t2`, every other parameter `1`.
    const REQUESTS = [
      ['GET', '/pets', '/pets', {}], ['GET', '/pets/{petId}', '/pets/1', { petId: '1' }],
      ['GET', '/pets/{petId}/toys/{toyId}', '/pets/1/toys/1', { petId: '1', toyId: '1' }],
      ['GET', '/tenants/{tenantId}/orders', '/tenants/t1/orders', { tenantId: 't1' }], ['GET', '/tenants/{tenantId}/orders', '/tenants/t2/orders', { tenantId: 't2' }],
      ['DELETE', '/pets/{petId}', '/pets/1', { petId: '1' }], ['POST', '/pets', '/pets', {}],
    ].map(([method, route, path, pathParameters]) => ({ method, route, path, pathParameters }));
    let claims;
    let token;

    before(async () => {
      claims = { sub: 'alice', scope: 'pets:read', tenant: 't1', iat: now(), exp: now() + 600 };
      token = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    });

    /** What the package's authorizer in Node answers: the first request's response, each request's status, the report. */
    async function expected(choice) {
      const shape = choice === 'http-v2-simple' ? 'http-v2' : choice;
      const idp = await createTestIssuer({ alg: 'ES256' });
      const authorizer = new Authorizer({ jwks: idp.jwks, policy: POLICY, simpleResponses: choice === 'http-v2-simple', log: false });
      const signed = await idp.sign({ iss: undefined, sub: undefined, iat: undefined, ...claims }, { expiresIn: null });
      const eventOf = ({ method, route, path, pathParameters }) => apigwEvent(shape, { method, path, pathParameters, resource: route, routeKey: `${method} ${route}`, token: signed });
      const outcomes = [];
      for (const r of REQUESTS) outcomes.push({ event: eventOf(r), outcome: await authorizer.handleEvent(eventOf(r)) });
      return { response: outcomes[0].outcome.response, outcomes, report: authorizer.cacheReport() };
    }

    /** Runs the simulation and reads the panel. */
    async function simulateIn(page) {
      await page.evaluate(() => { document.querySelector('#cache-result').dataset.outcome = 'stale'; });
      await page.click('#cache-run');
      await page.waitForFunction(() => ['simulated', 'route-error', 'policy-error'].includes(document.querySelector('#cache-result').dataset.outcome));
      return page.evaluate(() => {
        const out = document.querySelector('#cache-result');
        return {
          outcome: out.dataset.outcome,
          text: out.textContent,
          first: out.querySelector('.verdict')?.textContent,
          alarm: out.querySelector('.alarm')?.textContent,
          cached: out.querySelector('#cached-answer') && JSON.parse(out.querySelector('#cached-answer').textContent),
          rows: [...out.querySelectorAll('#cache-table tbody tr')].map((tr) => ({
            request: tr.dataset.request, arn: tr.querySelector('.arn').textContent, cached: tr.dataset.cached, fresh: Number(tr.dataset.fresh), verdict: tr.dataset.verdict,
          })),
          remedies: [...out.querySelectorAll('ul#cache-remedies li')].map((li) => li.textContent),
          inexact: [...out.querySelectorAll('.report ul.inexact li')].map((li) => li.textContent),
          error: out.querySelector('.route-error')?.textContent,
        };
      });
    }

    async function openWithToken() {
      const page = await open();
      await pasteToken(page, token);
      assert.equal((await pasteKey(page, SECRET)).outcome, 'valid');
      await page.fill('#policy', JSON.stringify(POLICY, null, 2));
      await page.fill('#cache-routes', ROUTES.join('\n'));
      await page.fill('#cache-samples', 'tenantId = t1, t2');
      return page;
    }

    test('REST REQUEST: the cached answer as the authorizer returns it, each route read against it beside a fresh decision, narrowed routes marked', async () => {
      const page = await openWithToken();
      await page.selectOption('#cache-shape', 'rest-request');
      const view = await simulateIn(page);
      const want = await expected('rest-request');
      assert.equal(view.outcome, 'simulated');
      assert.match(view.first, /^First request GET \/pets: 200 \(allow\)/);
      assert.match(view.text, /Claims from the verified token/);
      assert.deepEqual(view.cached, want.response, 'the first answer, as the package in Node gives it');
      assert.deepEqual(view.rows.map((r) => r.request), REQUESTS.map((r) => `${r.method} ${r.path}`));
      assert.deepEqual(view.rows.map((r) => r.arn), want.outcomes.map((o) => o.event.methodArn));
      // The cached column read by an IAM matcher of the test's own; the fresh one by the package in Node.
      assert.deepEqual(view.rows.map((r) => r.cached), want.outcomes.map((o) => effectFor(want.response.policyDocument, o.event.methodArn)));
      assert.deepEqual(view.rows.map((r) => r.fresh), want.outcomes.map((o) => o.outcome.status));
      assert.deepEqual(view.rows.map((r) => `${r.request} ${r.cached} ${r.fresh} ${r.verdict}`), [
        'GET /pets Allow 200 same',
        'GET /pets/1 Allow 200 same',
        'GET /pets/1/toys/1 Deny 200 narrowed', // IAM cannot deny the deeper paths of /pets/?* but this one
        'GET /tenants/t1/orders Allow 200 same', // the tenant rule pins the claim's value
        'GET /tenants/t2/orders Deny 403 same',
        'DELETE /pets/1 Deny 403 same',
        'POST /pets Deny 403 same',
      ]);
      assert.equal(view.alarm, undefined, 'nothing over-granted');
      assert.equal(await page.getAttribute('#cache-table tr[data-verdict="narrowed"]', 'class'), 'verdict-narrowed');
      assert.match(view.text, /1 request\(s\) narrowed/);
      // The load-time report: the narrowed pattern and the remedies, as the package words them.
      assert.deepEqual(view.remedies, want.report.remedies);
      assert.ok(view.remedies.length > 0);
      assert.deepEqual(view.inexact, want.report.inexact.map((c) => `Principals meeting ${c.meets.join(', ')}`
        + `${c.narrowed.map((n, i) => `${i ? '; ' : ': left out '}${n.resource} (rule ${n.rule}, ${n.route}): ${n.reason}`).join('')}`
        + `${c.overDenied ? `; over-denied, e.g. ${c.overDenied}` : ''}.`));
      assert.ok(view.inexact.length > 0 && view.inexact.every((line) => line.includes('GET /pets/$/toys/$')), view.inexact.join('\n'));
      await page.locator('#cache-section').screenshot({ path: join(artifacts, 'inspector-cache.png') });

      // The first request decides what is cached: first the tenant's orders of another tenant.
      await page.fill('#cache-routes', ['GET /tenants/{tenantId}/orders', ...ROUTES].join('\n'));
      await page.fill('#cache-samples', 'tenantId = t2');
      const denied = await simulateIn(page);
      assert.match(denied.first, /^First request GET \/tenants\/t2\/orders: 403 \(deny\)/);
      assert.equal(denied.rows.find((r) => r.request === 'GET /pets').cached, 'Allow', 'a denial lists what the principal may call');
      assert.ok(denied.rows.every((r) => r.verdict !== 'over-granted'));
      assert.deepEqual(page.requests, []);
      await page.close();
    });

    test('HTTP API simple responses: one answer for every route, over-granted routes flagged loudly, with the report\'s remedy', async () => {
      const page = await openWithToken();
      await page.selectOption('#cache-shape', 'http-v2-simple');
      const view = await simulateIn(page);
      const want = await expected('http-v2-simple');
      assert.deepEqual(view.cached, want.response);
      assert.equal(view.cached.isAuthorized, true);
      assert.deepEqual(view.rows.map((r) => r.fresh), want.outcomes.map((o) => o.outcome.status));
      const over = view.rows.filter((r) => r.verdict === 'over-granted').map((r) => r.request);
      assert.deepEqual(over, ['GET /tenants/t2/orders', 'DELETE /pets/1', 'POST /pets']);
      assert.match(view.alarm, /3 request\(s\) OVER-GRANTED/);
      assert.equal(await page.getAttribute('#cache-result .alarm', 'role'), 'alert');
      assert.deepEqual(view.remedies, want.report.remedies);
      assert.match(view.remedies.join(' '), /\$context\.routeKey/);
      await page.locator('#cache-section').screenshot({ path: join(artifacts, 'inspector-cache-simple.png') });

      // The other shapes answer with IAM policies: nothing over-granted for any of them.
      for (const choice of ['rest-token', 'http-v1', 'http-v2']) {
        await page.selectOption('#cache-shape', choice);
        const other = await simulateIn(page);
        const expectedOther = await expected(choice);
        assert.deepEqual(other.cached, expectedOther.response, choice);
        assert.deepEqual(other.rows.map((r) => r.verdict), ['same', 'same', 'narrowed', 'same', 'same', 'same', 'same'], choice);
      }
      assert.deepEqual(page.requests, []);
      await page.close();
    });

    test('routes from an OpenAPI document (JSON, with its examples), WebSocket route keys, and route errors placed', async () => {
      const page = await openWithToken();
      await page.selectOption('#cache-shape', 'rest-token');
      await page.fill('#cache-samples', '');
      const openapi = {
        openapi: '3.0.3',
        info: { title: 'pets', version: '1' },
        paths: {
          '/pets/{petId}': { parameters: [{ $ref: '#/components/parameters/PetId' }], get: {}, delete: {} },
          '/tenants/{tenantId}/orders': { get: { parameters: [{ name: 'tenantId', in: 'path', required: true, schema: { type: 'string', enum: ['t1', 't2'] } }] } },
          '/files/{key+}': { 'x-amazon-apigateway-any-method': {} },
        },
        components: { parameters: { PetId: { name: 'petId', in: 'path', required: true, example: 7, schema: { type: 'integer' } } } },
      };
      await page.fill('#cache-routes', JSON.stringify(openapi, null, 2));
      const view = await simulateIn(page);
      assert.equal(view.outcome, 'simulated');
      assert.deepEqual(view.rows.map((r) => `${r.request} ${r.cached} ${r.fresh} ${r.verdict}`), [
        'GET /pets/7 Allow 200 same', 'DELETE /pets/7 Deny 403 same',
        'GET /tenants/t1/orders Allow 200 same', 'GET /tenants/t2/orders Deny 403 same',
        ...['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'].map((m) => `${m} /files/a/b Deny 403 same`),
      ]);

      await page.fill('#cache-routes', 'GET /pets\nfetch the pets');
      const bad = await simulateIn(page);
      assert.equal(bad.outcome, 'route-error');
      assert.match(bad.error, /^line 2: write a route as METHOD \/path/);
      await page.fill('#cache-routes', '{ "paths": ');
      assert.match((await simulateIn(page)).error, /not valid JSON.*YAML is not read/);

      await page.selectOption('#cache-shape', 'websocket');
      await page.fill('#cache-routes', '$connect');
      const ws = await simulateIn(page);
      assert.match(ws.first, /^First request \$connect: 200 \(allow\)/);
      assert.deepEqual(ws.rows.map((r) => `${r.request} ${r.cached} ${r.fresh} ${r.verdict}`), ['$connect Allow 200 same']);
      assert.match(ws.rows[0].arn, /\/prod\/\$connect$/);
      assert.deepEqual(page.requests, []);
      await page.close();
    });

    test('an expired token: the first request is refused (401), nothing is cached', async () => {
      const page = await open();
      await pasteToken(page, fixtures.expired);
      await page.fill('#policy', JSON.stringify(POLICY));
      await page.fill('#cache-routes', 'GET /pets\nPOST /pets');
      const view = await simulateIn(page);
      assert.match(view.first, /^First request GET \/pets: 401 \(unauthorized\): ERR_JWT_EXPIRED: .*expired.*Nothing is cached/);
      assert.deepEqual(view.rows.map((r) => `${r.fresh} ${r.verdict}`), ['401 uncached', '401 uncached']);
      assert.equal(view.cached, null);
      await page.close();
    });
  });

  test('no console errors (CSP violations included) or page errors', () => {
    assert.deepEqual(problems, []);
  });
});
