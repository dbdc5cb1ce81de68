// Plausible claims for users' own tests, and the defaults the test issuer shares with them.
import { epochSeconds } from '../core/api.mjs';

/** The test issuer's URL unless given: `.test` is reserved (RFC 6761), so it never resolves. */
export const DEFAULT_ISSUER = 'https://issuer.test';

/** The subject unless given. */
export const DEFAULT_SUBJECT = 'user-1234';

/** A token's lifetime unless given, in seconds: an hour, as most identity providers issue. */
export const DEFAULT_LIFETIME = 3600;

/** `value`'s own members, those set to `undefined` left out (how a caller removes a default). */
export function withoutUndefined(value) {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}

/**
 * A claims set as an identity provider issues one (`iss`, `sub`, `aud`, `iat`, `exp`, `jti`,
 * `scope`, `email`), issued at `currentDate` (default now); `overrides` replace or add members,
 * and one set to `undefined` is left out.
 *
 * @example
 * new Policy(policy).decide({ method: 'GET', path: '/pets', claims: mockClaims({ scope: 'pets:read' }) });
 */
export function mockClaims(overrides = {}, { currentDate = new Date() } = {}) {
  const iat = epochSeconds(currentDate);
  return withoutUndefined({
    iss: DEFAULT_ISSUER,
    sub: DEFAULT_SUBJECT,
    aud: 'api',
    iat,
    exp: iat + DEFAULT_LIFETIME,
    jti: crypto.randomUUID(),
    scope: 'openid profile',
    email: `${DEFAULT_SUBJECT}@example.com`,
    ...overrides,
  });
}
