// Rival (a) of the Lambda decision: the authorizer a user writes with `jose` and the
// blueprint-style builder (auth-policy.mjs). The key set is built once, at module scope in a
// real handler: `createLocalJWKSet` imports each key on first use and keeps it.
import { createLocalJWKSet, jwtVerify } from 'jose';
import { answerFor, bearerToken } from './auth-policy.mjs';

/** The handler for `{ jwks | secret, issuer, audience, algorithms }`. */
export function createJoseAuthorizer({ jwks, secret, issuer, audience, algorithms }) {
  const key = secret ? new Uint8Array(secret) : createLocalJWKSet(jwks);
  const options = { issuer, audience, algorithms };
  return async (event) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(bearerToken(event) ?? '', key, options));
    } catch {
      throw new Error('Unauthorized'); // API Gateway's 401
    }
    return answerFor(payload, event.methodArn);
  };
}
