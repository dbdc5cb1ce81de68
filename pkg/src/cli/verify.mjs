// `jwtgate verify <token>`: the verdict of the package's Verifier with keys from a JWKS file, a
// JWKS URL, an issuer's discovery document or a secret in the environment.
import { KeySet, RemoteKeySet, Verifier, JwtGateError } from 'jwtgate';
import { kebabCase } from './args.mjs';
import { inputError, usageError } from './errors.mjs';
import { dateFlag, readText, tokenArgument } from './input.mjs';
import { claimLines, invalidToken } from './token-output.mjs';
import { stylesOf, writeJson, writeLines } from './output.mjs';

const KEY_SOURCES = ['jwks', 'jwks-uri', 'issuer', 'secret-env'];

/** An HMAC secret as a JWK without `alg`: the core decides which HS* algorithms its length fits. */
function secretKeys(name, io) {
  const secret = io.env[name];
  if (!secret) throw inputError(`--secret-env ${name}: the environment variable is not set, or empty`);
  return KeySet.fromJwk({ kty: 'oct', k: Buffer.from(secret).toString('base64url') });
}

/** The keys of the one key source given; a source that cannot be loaded is bad input (exit 2). */
async function keysOf(flags, io) {
  const given = KEY_SOURCES.filter((name) => flags[name] !== undefined);
  // `--issuer` with another source is only the `iss` check.
  const sources = given.length > 1 ? given.filter((name) => name !== 'issuer') : given;
  if (sources.length !== 1) throw usageError(`give one key source: --jwks FILE, --jwks-uri URL, --issuer URL or --secret-env NAME${sources.length ? ` (not ${sources.map((s) => `--${s}`).join(' and ')})` : ''}`);
  const [source] = sources;
  try {
    if (source === 'jwks') return KeySet.fromJwks(readText(flags.jwks, 'JWKS'));
    if (source === 'secret-env') return secretKeys(flags['secret-env'], io);
    const remote = source === 'jwks-uri' ? new RemoteKeySet({ jwksUri: flags['jwks-uri'] }) : new RemoteKeySet({ issuer: flags.issuer });
    return await remote.getKeySet();
  } catch (error) {
    if (!(error instanceof JwtGateError)) throw error;
    throw inputError(`--${source} ${flags[source]}: ${error.code}: ${error.message}`);
  }
}

/** The Verifier, its option errors named by their flags. */
function verifierOf(keys, options) {
  try {
    return new Verifier({ keys, ...options });
  } catch (error) {
    if (error.code !== 'ERR_JWTGATE_INVALID_OPTIONS' || error.field === undefined) throw error;
    throw usageError(`--${kebabCase(error.field)}: ${error.message.replace(/^option `[^`]*`: /, '')}`);
  }
}

function human(result, now, io) {
  const kid = result.header.kid === undefined ? '' : `, key ${JSON.stringify(result.header.kid)}`;
  return [`${stylesOf(io).green('valid')}: ${result.alg}${kid}`, ...claimLines(result.payload, now, io)];
}

export default {
  name: 'verify',
  summary: 'verify a token: signature, algorithm and claims; exit 0 valid, 1 invalid',
  usage: 'jwtgate verify <token | -> (--jwks FILE | --jwks-uri URL | --issuer URL | --secret-env NAME) [--audience A,B] [--algorithms ALG,…] [--at DATE] [--OPTION VALUE …] [--json]',
  help: `Verifies a token with the package's Verifier and prints the verdict: the claims, or the
error code and why.

Keys (give one):
  --jwks FILE          a JSON Web Key Set file
  --jwks-uri URL       a JWKS URL (https; http only to localhost)
  --issuer URL         OIDC discovery: URL/.well-known/openid-configuration names the JWKS;
                       with another key source, only the required iss
  --secret-env NAME    an HMAC secret in the environment variable NAME (never on the command line)

Checks:
  --audience A,B       accepted audiences (repeatable)
  --algorithms ALG,…   allowed algorithms (repeatable)
  --at DATE            verify at this time instead of now
  --OPTION VALUE       any other verifier option, kebab-case (--clock-tolerance 30s,
                       --max-token-age 1h, --required-claims '["jti"]', --require-expiration false):
                       the value as JSON where it is JSON, else as text
  --json               print { valid, alg, header, payload } or { valid: false, error }

Exit codes: 0 valid, 1 invalid token, 2 bad usage or input (a key source that cannot be loaded).`,
  flags: {
    jwks: { type: 'string' }, 'jwks-uri': { type: 'string' }, issuer: { type: 'string' }, 'secret-env': { type: 'string' },
    audience: { type: 'list' }, algorithms: { type: 'list' }, at: { type: 'string' },
  },
  passThrough: true,
  async run({ flags, extra, positionals }, io) {
    const token = await tokenArgument(positionals[0], io);
    const currentDate = dateFlag(flags.at);
    const keys = await keysOf(flags, io);
    const verifier = verifierOf(keys, { ...extra, issuer: flags.issuer, audience: flags.audience, algorithms: flags.algorithms, currentDate });
    let result;
    try {
      result = verifier.verify(token);
    } catch (error) {
      if (!(error instanceof JwtGateError)) throw error;
      return invalidToken(error, io, flags.json);
    }
    const now = (currentDate ?? new Date()).getTime() / 1000;
    if (flags.json) writeJson(io, { valid: true, alg: result.alg, header: result.header, payload: result.payload });
    else writeLines(io, human(result, now, io));
    return 0;
  },
};
