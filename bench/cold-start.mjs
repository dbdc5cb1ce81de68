// Child process of the cold-start benchmark in bench/run.mjs (not meant to be run by hand):
// import one library, build its verifier from a JWKS, verify one token (or decide one API
// Gateway event: jwtgate's Lambda handler, or the jose-based one users write instead), then print
// how long this process has existed: `performance.now()` counts from `performance.timeOrigin`,
// the start of the process.
//
//   JWTGATE_COLD_START='{"jwks":…,"token":…,"issuer":…,"audience":…,"policy":…,"event":…}' \
//     node bench/cold-start.mjs jwtgate|jose|lambda|jose-lambda|node
//
// The inputs come in an environment variable (parsed in microseconds, the same for every mode) so
// that no file reading is timed. jwtgate is imported by path (pkg/src/*.mjs, what the package's
// `node` export condition resolves to): the repository root is not a `jwtgate` package.
const mode = process.argv[2];
const input = JSON.parse(process.env.JWTGATE_COLD_START ?? '{}');
const { jwks, token, issuer, audience, policy, event } = input;
let result;

/** A Lambda answer's principal, once it is known to allow the event's own route. */
function allowedPrincipal(response) {
  if (response.policyDocument?.Statement?.[0]?.Effect !== 'Allow') throw new Error(`not allowed: ${JSON.stringify(response)}`);
  return response.principalId;
}

if (mode === 'jwtgate') {
  const { KeySet, Verifier } = await import('../pkg/src/runtime/node.mjs');
  const verifier = new Verifier({ keys: KeySet.fromJwks(jwks), issuer, audience, algorithms: ['RS256'] });
  result = verifier.verify(token).payload.sub;
} else if (mode === 'jose') {
  const { createLocalJWKSet, jwtVerify } = await import('jose');
  const keys = createLocalJWKSet(jwks);
  result = (await jwtVerify(token, keys, { issuer, audience, algorithms: ['RS256'] })).payload.sub;
} else if (mode === 'lambda') {
  const { createLambdaAuthorizer } = await import('../pkg/src/adapters/lambda.mjs');
  const handler = createLambdaAuthorizer({ jwks, issuer, audience, policy, log: false });
  result = allowedPrincipal(await handler(event));
} else if (mode === 'jose-lambda') {
  const { createJoseAuthorizer } = await import('./rivals/jose.mjs');
  const handler = createJoseAuthorizer({ jwks, issuer, audience, algorithms: ['RS256'] });
  result = allowedPrincipal(await handler(event));
} else if (mode === 'node') {
  result = 'node'; // the floor: a process that loads nothing
} else {
  throw new Error(`unknown mode ${mode}`);
}

const ms = performance.now();
process.stdout.write(`${JSON.stringify({ mode, ms, result })}\n`);
