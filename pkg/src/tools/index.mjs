// `jwtgate/tools` (Node only): what the command line needs and the runtimes do not, in a wasm of
// its own (pkg/dist/tools, the core built with its `tools` feature), so that the wasm Lambda,
// the edge and browsers load carries none of it. Loaded on import, beside the runtime's.
import { readFileSync } from 'node:fs';
import { initSync, Policy } from '../../dist/tools/jwtgate.js';
import { call } from '../core/errors.mjs';

initSync({ module: readFileSync(new URL('../../dist/tools/jwtgate_bg.wasm', import.meta.url)) });

/**
 * A policy document (object or JSON text) checked as deployed (`Policy::check` in the core):
 * rules that can never apply, its coverage of the API's routes, the cache report, answer
 * sizes, and the template's authorizers against what the answers need.
 * @example checkPolicy(policy, { api: [{ route: 'GET /pets' }], dpop: false }).findings
 */
export function checkPolicy(document, input = {}) {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  const policy = call(() => new Policy(text));
  try {
    return JSON.parse(call(() => policy.check(JSON.stringify(input))));
  } finally {
    policy.free();
  }
}
