// `jwtgate/testing`: what users' own tests need to exercise an authorizer without an identity
// provider or API Gateway: a throwaway issuer, its tokens, real-shaped events and claims.
export { createTestIssuer } from './issuer.mjs';
export { apigwEvent, eventShapes } from './events.mjs';
export { mockClaims } from './claims.mjs';
