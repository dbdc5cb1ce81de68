// The demo: verifies a handful of sample tokens and prints what jwtgate says about each.
// Tokens are signed here with node:crypto, so the demo needs nothing but the package.
import { generateKeyPairSync, sign } from 'node:crypto';
import { KeySet, Verifier, decode } from '../pkg/src/runtime/node.mjs';

const now = Math.floor(Date.now() / 1000);
const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'demo-key', alg: 'ES256', use: 'sig' }] };

function es256(claims, header = {}) {
  const input = `${b64url({ alg: 'ES256', kid: 'demo-key', typ: 'JWT', ...header })}.${b64url(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

const claims = { iss: 'https://idp.example', aud: 'orders-api', sub: 'alice', scope: 'orders:read', iat: now, exp: now + 600 };
const good = es256(claims);
const samples = {
  'valid token': good,
  'expired token': es256({ ...claims, iat: now - 7200, exp: now - 3600 }),
  'wrong audience': es256({ ...claims, aud: 'billing-api' }),
  'tampered payload': `${good.split('.')[0]}.${b64url({ ...claims, sub: 'admin' })}.${good.split('.')[2]}`,
  'alg: none': `${b64url({ alg: 'none' })}.${b64url(claims)}.`,
  'unknown kid': es256(claims, { kid: 'rotated-away' }),
  'not a JWT': 'hello.world',
};

const verifier = new Verifier({
  keys: KeySet.fromJwks(jwks),
  issuer: 'https://idp.example',
  audience: 'orders-api',
  algorithms: ['ES256'],
  clockTolerance: '30s',
});

for (const [name, token] of Object.entries(samples)) {
  try {
    const { payload } = verifier.verify(token);
    console.log(`✔ ${name.padEnd(18)} sub=${payload.sub} scope=${payload.scope}`);
  } catch (err) {
    console.log(`✘ ${name.padEnd(18)} ${err.code}: ${err.message}`);
  }
}

const { warnings } = decode(samples['alg: none']);
console.log('\ndecode() of the alg:none token (no verification) warns:');
for (const w of warnings) console.log(`  [${w.severity}] ${w.code}: ${w.message}`);
