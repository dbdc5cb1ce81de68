// `jwtgate/tools` (Node only): the checks of the command line, in a wasm of their own.
import type { Check, CheckInput } from './core.js';
import type { PolicyDocument } from './lambda.js';
export type { Check, CheckInput };

/**
 * A policy document checked as deployed (`jwtgate policy check`): rules that can never apply,
 * its coverage of an API's routes, the cache report, the answers' size, and each authorizer a
 * template configures against what the answers need. Throws `ERR_POLICY_INVALID` for a
 * document that does not load, `ERR_JWTGATE_INVALID_OPTIONS` for malformed input.
 * @example checkPolicy(policy, { api: [{ route: 'GET /pets' }] }).findings
 */
export function checkPolicy(document: PolicyDocument | string, input?: CheckInput): Check;
