// What a user writes instead of jwtgate's policy: an IAM policy builder in the style of AWS's
// api-gateway-authorizer-blueprints `AuthPolicy`, and bench/run.mjs's example policy
// (LAMBDA_POLICY) written out by hand as JavaScript rules. Shared by the rival handlers
// (jose.mjs, aws-jwt-verify.mjs); no dependencies, so that a cold start loads only what a
// handler built on it would.

const VERBS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'HEAD', 'DELETE', 'OPTIONS', '*']);
/** The blueprint's resource check: path characters and `*`, nothing IAM would read otherwise. */
const RESOURCE = /^[/.a-zA-Z0-9*-]+$/;
/** A claim value that may stand for one path segment of an ARN (no `/`, no IAM wildcard). */
const SEGMENT = /^[a-zA-Z0-9_-][a-zA-Z0-9._-]*$/;

/**
 * An IAM policy for API Gateway, built route by route: `allowMethod(verb, resource)`,
 * `denyMethod(verb, resource)`, then `build()`. Resources are paths under the API and stage of
 * the request's `methodArn` (`arn:aws:execute-api:region:account:apiId/stage/VERB/path`).
 */
export class AuthPolicy {
  #principalId;
  #base;
  #allow = [];
  #deny = [];

  constructor(principalId, methodArn) {
    const [apiArn, stage] = methodArn.split('/', 2); // arn:aws:execute-api:region:account:apiId, stage
    this.#principalId = principalId;
    this.#base = `${apiArn}/${stage}`;
  }

  allowMethod(verb, resource) {
    this.#allow.push(this.#arn(verb, resource));
  }

  denyMethod(verb, resource) {
    this.#deny.push(this.#arn(verb, resource));
  }

  #arn(verb, resource) {
    if (!VERBS.has(verb)) throw new Error(`invalid HTTP verb ${verb}`);
    if (!RESOURCE.test(resource)) throw new Error(`invalid resource path ${resource}`);
    return `${this.#base}/${verb}/${resource.replace(/^\//, '')}`;
  }

  /** The authorizer's answer; an empty Allow or Deny list is left out, as IAM needs none. */
  build(context) {
    const Statement = [];
    if (this.#allow.length) Statement.push({ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: this.#allow });
    if (this.#deny.length) Statement.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: this.#deny });
    if (!Statement.length) throw new Error('no statements defined for the policy');
    return { principalId: this.#principalId, policyDocument: { Version: '2012-10-17', Statement }, context };
  }
}

/** The bearer token of a REST TOKEN or REQUEST event (header names are as the client sent them). */
export function bearerToken(event) {
  let value = event.authorizationToken;
  if (value === undefined && event.headers) {
    const { headers } = event;
    value = headers.Authorization ?? headers.authorization;
    if (value === undefined) {
      const name = Object.keys(headers).find((h) => h.toLowerCase() === 'authorization');
      value = name && headers[name];
    }
  }
  const match = typeof value === 'string' && /^Bearer +(\S+)$/i.exec(value);
  return match ? match[1] : undefined;
}

/**
 * The answer for a verified token's claims: LAMBDA_POLICY's rules, each routes' line granting
 * or denying what the rule would (`{petId}` as `*`, the tenant's own path for `{tenantId}`).
 */
export function answerFor(claims, methodArn) {
  const policy = new AuthPolicy(claims.sub, methodArn);
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const raw = claims['cognito:groups'];
  const groups = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const tenant = claims['custom:tenant'];

  if (scopes.includes('pets:read')) { // read
    policy.allowMethod('GET', '/pets');
    policy.allowMethod('GET', '/pets/*');
  }
  policy.denyMethod('DELETE', '/pets/*'); // no-delete
  if (groups.includes('admin')) policy.allowMethod('POST', '/pets'); // admin-write
  if (typeof tenant === 'string' && SEGMENT.test(tenant)) policy.allowMethod('GET', `/tenants/${tenant}/orders`); // tenant
  if (scopes.includes('orders.write') && groups.includes('orders') && claims.token_use === 'access') {
    policy.allowMethod('POST', '/lambda-request'); // lambda-request
  }

  const context = { userId: claims.sub };
  if (raw !== undefined) context.groups = JSON.stringify(raw);
  if (tenant !== undefined) context.tenant = tenant;
  return policy.build(context);
}
