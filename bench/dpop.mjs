// A DPoP-protected decision against the bearer one, in one Node process: jwtgate's Lambda
// authorizer (`respond`) on the real REST REQUEST capture with a bearer token, and with a
// DPoP-bound token and a fresh proof per request (each proof is single-use: the replay store,
// in memory here, records it), beside oauth4webapi's `validateJwtAccessToken`, a resource
// server's DPoP check (RFC 9068 token, the same proofs made by the `dpop` package). Variants
// run in turn, round by round; each figure is the median round's µs per decision.
//
//   node bench/dpop.mjs [ROUNDS]        (default 9; 500 decisions per round and variant)
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jose from 'jose';
import * as dpop from 'dpop';
import * as oauth from 'oauth4webapi';
import { createLambdaAuthorizer } from '../pkg/src/adapters/lambda.mjs';
import { memoryStore } from '../pkg/src/io/stores/memory.mjs';
import { FIXTURES } from '../tests/js/helpers/fixtures.mjs';

const ROUNDS = Number(process.argv[2] ?? 9);
const PER_ROUND = 500;
const ISSUER = 'https://idp.example';
const AUDIENCE = 'api';
const URI = 'https://puhdx84jy9.execute-api.eu-west-1.amazonaws.com/prod/lambda-request';
const capture = JSON.parse(readFileSync(join(FIXTURES, 'powertools-lambda-typescript/apigw-rest_authorizer-request.json'), 'utf8'));

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] };
const client = await dpop.generateKeyPair('ES256');
const jkt = await dpop.calculateThumbprint(client.publicKey);

const sign = (claims) => new jose.SignJWT({ sub: 'alice', client_id: 'app', jti: crypto.randomUUID(), ...claims })
  .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
  .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('1h').sign(privateKey);
const bearer = await sign({});
const bound = await sign({ cnf: { jkt } });

function event(authorization, proof) {
  const headers = { ...capture.headers, Authorization: authorization, ...(proof && { DPoP: proof }) };
  return { ...capture, headers, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) };
}

/** `count` fresh proofs for the request, each with its own `jti`. */
const proofs = (count) => Promise.all(Array.from({ length: count }, () => dpop.generateProof(client, URI, 'POST', undefined, bound)));

const options = { jwks, issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], log: false };
const bearerHandler = createLambdaAuthorizer(options);
const dpopHandler = createLambdaAuthorizer({ ...options, dpop: {}, replayStore: memoryStore({ maxEntries: 1_000_000 }) });
const as = { issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` };
const served = { [oauth.customFetch]: async () => Response.json(jwks), [oauth.jwksCache]: {} };

const VARIANTS = [
  { label: 'jwtgate/lambda, bearer', inputs: async () => Array(PER_ROUND).fill(event(`Bearer ${bearer}`)), run: (e) => bearerHandler(e) },
  { label: 'jwtgate/lambda, DPoP (proof, replay check)', inputs: async () => (await proofs(PER_ROUND)).map((p) => event(`DPoP ${bound}`, p)), run: (e) => dpopHandler(e) },
  {
    label: 'oauth4webapi validateJwtAccessToken, DPoP',
    inputs: async () => (await proofs(PER_ROUND)).map((p) => () => new Request(URI, { method: 'POST', headers: { authorization: `DPoP ${bound}`, dpop: p } })),
    run: (request) => oauth.validateJwtAccessToken(as, request(), AUDIENCE, served),
  },
];

async function round(variant) {
  const inputs = await variant.inputs();
  const started = performance.now();
  for (const input of inputs) await variant.run(input);
  return ((performance.now() - started) * 1000) / inputs.length;
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const times = VARIANTS.map(() => []);
for (let r = -1; r < ROUNDS; r += 1) {
  for (const [i, variant] of VARIANTS.entries()) {
    const us = await round(variant);
    if (r >= 0) times[i].push(us); // the first round warms up
  }
}
const base = median(times[0]);
console.log('| variant | µs per decision | over the bearer decision |');
console.log('|---|---|---|');
for (const [i, variant] of VARIANTS.entries()) {
  const us = median(times[i]);
  console.log(`| ${variant.label} | ${us.toFixed(1)} | ${(us / base).toFixed(2)}× |`);
}
