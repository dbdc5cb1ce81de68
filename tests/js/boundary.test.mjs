// The rule of the house: the JS layer holds no constant, field name, option name or claim rule
// that the Rust core owns; it reads them from the core's manifest (src/ffi/manifest.rs, written
// into pkg/dist at build time). These tests fail when a copy creeps back into pkg/src/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { generateKeyPairSync, sign } from 'node:crypto';
import path from 'node:path';

import '../../pkg/src/runtime/node.mjs';
import { core } from '../../pkg/src/core/manifest.mjs';
import { nodeBackend } from '../../pkg/src/crypto/node.mjs';
import { Authorizer } from '../../pkg/src/adapters/lambda.mjs';

const SRC = path.resolve(import.meta.dirname, '../../pkg/src');
const sources = readdirSync(SRC, { recursive: true })
  .filter((file) => file.endsWith('.mjs'))
  .map((file) => ({ file, text: readFileSync(path.join(SRC, file), 'utf8') }));

/** Every quoted string literal of a source file, comments left out. */
function literals(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/'([^'\\\n]*)'|"([^"\\\n]*)"/g)].map((m) => m[1] ?? m[2]);
}

test('the manifest the package reads is the one the core gives', async () => {
  const tools = await import('../../pkg/dist/tools/jwtgate.js');
  tools.initSync({ module: readFileSync(new URL('../../pkg/dist/tools/jwtgate_bg.wasm', import.meta.url)) });
  assert.deepEqual(core(), JSON.parse(tools.manifest()));
  // The runtime wasm leaves it to the build: it does not carry the manifest's code.
  const runtime = await import('../../pkg/dist/web/jwtgate.js');
  assert.equal(runtime.manifest, undefined);
});

test('no option name, algorithm name or event member of the core is written in pkg/src', () => {
  const { verifierOptions, authorizerOptions, algorithms, event, proxyEvent } = core();
  const members = [event, proxyEvent].flatMap((plan) => [...plan.members, ...Object.values(plan.nested).flat()]);
  const owned = new Set([...verifierOptions, ...authorizerOptions, ...algorithms.map((a) => a.name), ...members]);
  assert.ok(owned.has('clockTolerance') && owned.has('tokenCookie') && owned.has('RS256') && owned.has('multiValueHeaders') && owned.has('authorizer'));
  // RemoteKeySet's own option: the issuer whose discovery document names the key set. The test
  // issuer's own option and its default algorithm; the event builder's options, named as API
  // Gateway names the members they fill; and the command line's flags and cases, which it hands
  // to the public API as a user would (the flags `--issuer`, `--method`, `--path`, `--stage`, a case's `method` and `path`).
  const own = {
    [path.join('io', 'jwks.mjs')]: ['issuer'],
    [path.join('testing', 'issuer.mjs')]: ['issuer', 'RS256'],
    [path.join('testing', 'events.mjs')]: ['headers', 'cookies', 'stage', 'routeKey'],
    [path.join('cli', 'verify.mjs')]: ['issuer'],
    [path.join('cli', 'event.mjs')]: ['method', 'path', 'stage'],
    [path.join('cli', 'policy-test.mjs')]: ['method', 'path'],
  };
  const copies = sources.flatMap(({ file, text }) => literals(text).filter((l) => owned.has(l) && !own[file]?.includes(l)).map((l) => `${file}: '${l}'`));
  assert.deepEqual(copies, []);
});

test('no limit of the core is written in pkg/src', () => {
  const limits = Object.values(core().limits);
  const spelled = limits.flatMap((n) => [String(n), ...(Number.isInteger(Math.log2(n)) ? [`1 << ${Math.log2(n)}`, `2 ** ${Math.log2(n)}`] : [])]);
  const copies = sources.flatMap(({ file, text }) => spelled.filter((s) => new RegExp(`(?<![\\w.])${s.replace(/[*]/g, '\\*')}(?![\\w.])`).test(text)).map((s) => `${file}: ${s}`));
  assert.deepEqual(copies, []);
});

test('every option the authorizer accepts is the core\'s or one the JS layer handles itself', () => {
  const { verifierOptions, authorizerOptions } = core();
  for (const name of [...verifierOptions, ...authorizerOptions]) {
    // Known to the JS layer: an unknown name is refused before the core sees it.
    assert.doesNotThrow(() => new Authorizer({ secret: 'x'.repeat(32), [name]: undefined, log: false }), name);
  }
  assert.throws(() => new Authorizer({ secret: 'x'.repeat(32), clockTolerence: 5 }), { code: 'ERR_JWTGATE_INVALID_OPTIONS', field: 'clockTolerence' });
});

test('the node backend reads algorithms by their code, not by their place in the list', () => {
  const { algorithms } = core();
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const message = Buffer.from('header.payload');
  const signature = sign('sha256', message, privateKey); // DER, as the core hands ECDSA over
  const verdicts = [algorithms, [...algorithms].reverse(), [...algorithms].sort(() => 0.5 - Math.random())].map((order) => {
    const backend = nodeBackend(order);
    let handle;
    backend.importKeys({ nativeExportJson: () => JSON.stringify([[0, jwk]]), setNative: (_, h) => { handle = h; } });
    const code = (name) => algorithms.find((a) => a.name === name).code;
    return ['ES256', 'ES384', 'ES512'].map((name) => backend.verify(handle * 16 + code(name), message, signature));
  });
  assert.deepEqual(verdicts, [[true, false, false], [true, false, false], [true, false, false]]);
});

test('the declared options are the core\'s, with those the JS layer adds', () => {
  /** The member names of an interface in a .d.ts file. */
  const members = (file, name) => {
    const text = readFileSync(path.resolve(import.meta.dirname, '../../pkg', file), 'utf8');
    const start = text.indexOf(`export interface ${name} `);
    const body = text.slice(text.indexOf('{', start) + 1, text.indexOf('\n}', start));
    return [...body.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/^\s{2}(\w+)\??:/gm)].map((m) => m[1]).sort();
  };
  const { verifierOptions, authorizerOptions } = core();
  assert.deepEqual(members('index.d.ts', 'VerifierOptions'), [...verifierOptions, 'keys', 'currentDate', 'cache'].sort());
  const declared = members('lambda.d.ts', 'AuthorizerOptions');
  assert.deepEqual(authorizerOptions.filter((name) => !declared.includes(name)), []);
});

test('the declared policy document and rule have exactly the members the core reads', () => {
  const text = readFileSync(path.resolve(import.meta.dirname, '../../pkg/lambda.d.ts'), 'utf8');
  const members = (name) => {
    const start = text.indexOf(`export interface ${name} `);
    const body = text.slice(text.indexOf('{', start) + 1, text.indexOf('\n}', start));
    return [...body.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/^\s{2}(\w+)\??:/gm)].map((m) => m[1]).sort();
  };
  const { policy } = core();
  assert.deepEqual(members('PolicyDocument'), [...policy.document].sort());
  assert.deepEqual(members('PolicyRule'), [...policy.rule].sort());
});
