// Policy decisions for claims, made by the Lambda authorizer itself rather than a model of it:
// the claims are signed by a throwaway issuer (`jwtgate/testing`) whose key the authorizer
// trusts, and the request is an API Gateway event, so the decision, its trace and the IAM
// answer API Gateway would cache are the ones a deployed authorizer gives.
import { Policy, decode } from 'jwtgate';
import { Authorizer } from 'jwtgate/lambda';
import { apigwEvent, createTestIssuer } from 'jwtgate/testing';
import { inputError } from './errors.mjs';
import { readJsonObject } from './input.mjs';

/** The policy document of `file`, validated by the package; its faults placed by JSON path. */
function policyOf(file) {
  try {
    return new Policy(readJsonObject(file, 'policy'));
  } catch (error) {
    if (error.code !== 'ERR_POLICY_INVALID') throw error;
    const path = error.field ?? '$';
    throw inputError(`${file}: ${path}: ${error.message.replace(`policy ${path}: `, '')}`);
  }
}

/** A token's claims, unverified: a policy is tested on what a token says. */
export function claimsOfToken(token, where) {
  try {
    return decode(token).payload;
  } catch (error) {
    throw inputError(`${where}: ${error.code}: ${error.message}`);
  }
}

/**
 * `decide({ claims, method, path, currentDate })` → the authorizer's outcome (`status`, `route`,
 * `decision` with its trace, `principalId`, `context`, `response`). A `method` starting with `$`
 * is a WebSocket route key (`$connect`); other requests are REST `REQUEST` events.
 */
export async function createDecider(file) {
  const policy = policyOf(file);
  const issuer = await createTestIssuer();
  const authorizer = new Authorizer({ jwks: issuer.jwks, policy, log: false });
  return async function decide({ claims, method, path = '/', currentDate }) {
    // The claims as they are: the issuer adds no `iss` or `sub`, only the times a valid token needs and the claims lack.
    const token = await issuer.sign({ iss: undefined, sub: undefined, ...claims }, { currentDate });
    const event = method.startsWith('$') ? apigwEvent('websocket', { token, routeKey: method }) : apigwEvent('rest-request', { method, path, token });
    return authorizer.handleEvent(event, { currentDate });
  };
}

/** What an outcome is, in the words of a test case: `allow`, `deny`, or `unauthorized` (the claims are not valid then). */
export function verdictOf(outcome) {
  return outcome.status === 200 ? 'allow' : outcome.status === 403 ? 'deny' : 'unauthorized';
}
