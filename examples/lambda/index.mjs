// API Gateway Lambda authorizer: verifies the bearer token against the issuer's keys (found by
// OIDC discovery: ISSUER/.well-known/openid-configuration → jwks_uri) and decides the request
// against policy.json. Everything is built once per container, at module scope, so warm
// invocations reuse the fetched keys; the keys start loading during Lambda's init phase.
//
// Environment (set by template.yaml):
//   ISSUER            the token issuer, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf
//   AUDIENCE          the app client id(s), comma-separated: matched against `client_id` (Cognito
//                     access tokens) or `aud` (ID tokens and other issuers)
//   SIMPLE_RESPONSES  "true" for an HTTP API authorizer with payload 2.0 and simple responses
import { readFileSync } from 'node:fs';
import { createLambdaAuthorizer } from 'jwtgate/lambda';

const policy = JSON.parse(readFileSync(new URL('./policy.json', import.meta.url), 'utf8'));

function required(name) {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

const audiences = required('AUDIENCE').split(',').map((a) => a.trim()).filter(Boolean);

export const handler = createLambdaAuthorizer({
  issuer: required('ISSUER'),
  clientId: audiences.length === 1 ? audiences[0] : audiences,
  algorithms: ['RS256'],
  clockTolerance: 30,
  policy,
  simpleResponses: process.env.SIMPLE_RESPONSES === 'true',
});
