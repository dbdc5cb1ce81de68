// A throwaway identity provider for users' own tests: a fresh key pair, its public key set and
// OIDC discovery document served by a `fetch` of its own, and a signer. WebCrypto only
// (`crypto.subtle`), so it runs wherever the package does; each algorithm's parameters are the
// core's description of it, read as the WebCrypto verifier reads them.
import { init } from 'jwtgate'; // the runtime's entry: it loads the wasm its own way
import { epochSeconds } from '../core/api.mjs';
import { optionsError } from '../core/errors.mjs';
import { core } from '../core/manifest.mjs';
import { webCryptoParams } from '../crypto/webcrypto.mjs';
import { DEFAULT_ISSUER, DEFAULT_LIFETIME, DEFAULT_SUBJECT, withoutUndefined } from './claims.mjs';

// The families whose keys WebCrypto generates with a modulus size and public exponent.
const RSA_FAMILIES = new Set(['pkcs1', 'pss']);
// The size jose generates and identity providers publish; 65537, as every RSA JWK in the wild.
const RSA_GENERATION = { modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) };

const encoder = new TextEncoder();

/** base64url without padding (RFC 7515 §2). */
function base64url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

const segment = (value) => base64url(encoder.encode(JSON.stringify(value)));

/** The core's description of `alg`, or the option error naming those it knows. */
function algorithm(alg) {
  const { algorithms } = core();
  const info = algorithms.find((candidate) => candidate.name === alg);
  if (!info) throw optionsError('alg', `one of ${algorithms.map((a) => a.name).join(', ')}`);
  return info;
}

/** A given HMAC secret as bytes (text as UTF-8), or the option error. */
function secretBytes(secret, info) {
  if (info.family !== 'hmac') throw optionsError('secret', `only for HMAC algorithms, not ${info.name}`);
  if (typeof secret === 'string') return encoder.encode(secret);
  if (secret instanceof Uint8Array) return secret;
  throw optionsError('secret', 'must be a string or a Uint8Array');
}

/**
 * The signing key and the public JWK (for HMAC, the secret too: it is the only key there is).
 * A given `secret` is used as it is: whether it is long enough is the verifier's to say.
 */
async function keysFor(info, given) {
  const { importAs, verifyAs } = webCryptoParams(info.name);
  const chosen = given === undefined ? undefined : secretBytes(given, info);
  if (info.family === 'hmac') {
    // As long as the hash, the shortest secret RFC 7518 §3.2 allows, which is its signature's length.
    const secret = chosen ?? crypto.getRandomValues(new Uint8Array(info.signatureBytes));
    const signingKey = await crypto.subtle.importKey('raw', secret, importAs, false, ['sign']);
    return { signingKey, signAs: verifyAs, jwk: { kty: 'oct', k: base64url(secret) }, secret };
  }
  const generateAs = RSA_FAMILIES.has(info.family) ? { ...importAs, ...RSA_GENERATION } : importAs;
  const pair = await crypto.subtle.generateKey(generateAs, true, ['sign', 'verify']);
  // WebCrypto's export says how this process may use the key (`ext`, `key_ops`, an `alg` of its
  // own): none of it belongs in a published key.
  const { kty, n, e, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { signingKey: pair.privateKey, signAs: verifyAs, jwk: withoutUndefined({ kty, n, e, crv, x, y }) };
}

/** Seconds as a number: the testing helpers leave duration strings ("5m") to the core. */
function seconds(value, field) {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw optionsError(field, 'seconds, as a number (5 * 60 for five minutes)');
  return value;
}

/** The `fetch` of an identity provider that serves `documents` (URL → JSON) and nothing else. */
function serving(documents) {
  return async function fetch(input) {
    const url = String(input instanceof Request ? input.url : input);
    const document = documents.get(url);
    if (document === undefined) return new Response('not found', { status: 404 });
    return new Response(JSON.stringify(document), { headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' } });
  };
}

/**
 * A throwaway issuer: a fresh key pair for `alg` (an HMAC secret for `HS*`: random, or the
 * `secret` given), its key set (public key only) and OIDC discovery document, a `fetch` that
 * serves both, and `sign`.
 *
 * @example
 * const idp = await createTestIssuer({ alg: 'ES256' });
 * const authorizer = new Authorizer({ issuer: idp.issuer, fetch: idp.fetch, audience: 'api', log: false });
 * const token = await idp.sign({ scope: 'pets:read' }, { audience: 'api' });
 */
export async function createTestIssuer({ alg = 'RS256', issuer = DEFAULT_ISSUER, kid = 'test-key-1', secret: given } = {}) {
  await init();
  const info = algorithm(alg);
  if (typeof issuer !== 'string') throw optionsError('issuer', 'must be a string (a URL)');
  const { signingKey, signAs, jwk, secret } = await keysFor(info, given);
  const base = issuer.replace(/\/$/, '');
  const jwksUri = `${base}/.well-known/jwks.json`;
  const jwks = { keys: [withoutUndefined({ ...jwk, kid, alg, use: 'sig' })] };
  const openidConfiguration = {
    issuer,
    jwks_uri: jwksUri,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [alg],
  };
  const fetch = serving(new Map([[`${base}/.well-known/openid-configuration`, openidConfiguration], [jwksUri, jwks]]));

  /**
   * A compact JWS of `claims` over the defaults `iss`, `sub`, `iat` and `exp` (a claim set to
   * `undefined` is left out). Times are seconds from `currentDate` (default now). The signature
   * is always this issuer's key's; `alg` only changes what the header says (`'none'`: no signature).
   */
  async function sign(claims = {}, {
    alg: headerAlg = alg, kid: headerKid = kid, typ = 'JWT', header = {},
    expiresIn = DEFAULT_LIFETIME, notBefore, audience, subject, currentDate = new Date(),
  } = {}) {
    const now = epochSeconds(currentDate);
    const payload = {
      iss: issuer,
      sub: DEFAULT_SUBJECT,
      iat: now,
      ...(expiresIn !== null && { exp: now + seconds(expiresIn, 'expiresIn') }),
      ...(notBefore !== undefined && { nbf: now + seconds(notBefore, 'notBefore') }),
      ...claims,
      ...(audience !== undefined && { aud: audience }),
      ...(subject !== undefined && { sub: subject }),
    };
    // `null` leaves a default header parameter out (`kid: null`, `typ: null`).
    const protectedHeader = Object.fromEntries(Object.entries({ alg: headerAlg, typ, kid: headerKid, ...header }).filter(([, v]) => v != null));
    const input = `${segment(protectedHeader)}.${segment(payload)}`;
    if (headerAlg === 'none') return `${input}.`;
    const signature = await crypto.subtle.sign(signAs, signingKey, encoder.encode(input));
    return `${input}.${base64url(new Uint8Array(signature))}`;
  }

  return Object.freeze({ alg, kid, issuer, jwksUri, jwks, openidConfiguration, fetch, sign, ...(secret && { secret }) });
}
