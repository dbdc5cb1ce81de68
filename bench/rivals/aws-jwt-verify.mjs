// Rival (b) of the Lambda decision: the authorizer a user writes with `aws-jwt-verify` and the
// blueprint-style builder (auth-policy.mjs). Its JWKS is cached up front (`cacheJwks`), so no
// call fetches; the generic `JwtVerifier`, as the benchmark's tokens carry the client id in `aud`.
import { JwtVerifier } from 'aws-jwt-verify';
import { supportedSignatureAlgorithms } from 'aws-jwt-verify/jwt-verifier';
import { answerFor, bearerToken } from './auth-policy.mjs';

/** The algorithms it verifies (v5: RS*, ES*, EdDSA; no HMAC, as it takes public JWKS only, and no PS*). */
export const SUPPORTED = supportedSignatureAlgorithms;

/** The handler for `{ jwks, issuer, audience }`. */
export function createAwsJwtVerifyAuthorizer({ jwks, issuer, audience }) {
  const verifier = JwtVerifier.create({ issuer, audience, jwksUri: `${issuer}/.well-known/jwks.json` });
  verifier.cacheJwks(jwks);
  return async (event) => {
    let payload;
    try {
      payload = await verifier.verify(bearerToken(event) ?? '');
    } catch {
      throw new Error('Unauthorized'); // API Gateway's 401
    }
    return answerFor(payload, event.methodArn);
  };
}
