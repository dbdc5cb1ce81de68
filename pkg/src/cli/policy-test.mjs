// `jwtgate policy test policy.json cases.json`: each case decided by the authorizer, against its
// expected `allow` or `deny`; TAP (default), JUnit XML or JSON; exit 1 when a case fails.
import { claimsOfToken, createDecider, verdictOf } from './decider.mjs';
import { inputError, usageError } from './errors.mjs';
import { dateFlag, readJson } from './input.mjs';
import { writeJson, writeLines } from './output.mjs';

const EXPECTATIONS = ['allow', 'deny'];

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** One case, checked: `{ name, claims, method, path, expect }`, or the input error at its JSON path. */
function caseOf(value, index, file) {
  const at = (member, message) => inputError(`${file}: $[${index}]${member ? `.${member}` : ''}: ${message}`);
  if (!isObject(value)) throw at('', 'a case must be an object { name, claims | token, method, path, expect }');
  const unknown = Object.keys(value).find((name) => !['name', 'claims', 'token', 'method', 'path', 'expect'].includes(name));
  if (unknown) throw at(unknown, 'unknown member');
  const { name, claims, token, method, path, expect } = value;
  if (typeof name !== 'string' || name === '') throw at('name', 'must be a non-empty string');
  if ((claims === undefined) === (token === undefined)) throw at('', 'give claims (an object) or token (a string)');
  if (claims !== undefined && !isObject(claims)) throw at('claims', 'must be an object');
  if (token !== undefined && typeof token !== 'string') throw at('token', 'must be a string');
  if (typeof method !== 'string' || method === '') throw at('method', 'must be a method (GET) or a route key ($connect)');
  if (path !== undefined ? typeof path !== 'string' : !method.startsWith('$')) throw at('path', 'must be a path such as /pets/7');
  if (!EXPECTATIONS.includes(expect)) throw at('expect', `must be ${EXPECTATIONS.map((e) => JSON.stringify(e)).join(' or ')}`);
  return { name, claims: claims ?? claimsOfToken(token, `${file}: $[${index}].token`), method, path, expect };
}

function casesOf(file) {
  const cases = readJson(file, 'cases');
  if (!Array.isArray(cases)) throw inputError(`${file}: $: the cases must be an array`);
  return cases.map((value, index) => caseOf(value, index, file));
}

/** A case's result: what it expected, what the authorizer decided, and why. */
async function run(decide, testCase, currentDate) {
  const outcome = await decide({ ...testCase, currentDate });
  const actual = verdictOf(outcome);
  return {
    name: testCase.name,
    route: outcome.route,
    expected: testCase.expect,
    actual,
    ok: actual === testCase.expect,
    rule: outcome.decision?.rule ?? null,
    reason: outcome.decision?.reason ?? `${outcome.error?.code}: ${outcome.error?.message}`,
  };
}

/** TAP version 13, failures with a YAML block (its values JSON, which is YAML). */
function tap(results) {
  const lines = ['TAP version 13', `1..${results.length}`];
  results.forEach((r, i) => {
    lines.push(`${r.ok ? 'ok' : 'not ok'} ${i + 1} - ${r.name.replace(/#/g, '\\#')}`);
    if (!r.ok) {
      lines.push('  ---', ...['route', 'expected', 'actual', 'rule', 'reason'].map((key) => `  ${key}: ${JSON.stringify(r[key])}`), '  ...');
    }
  });
  const failed = results.filter((r) => !r.ok).length;
  lines.push(`# ${results.length - failed} passed, ${failed} failed`);
  return lines;
}

const xml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JUnit XML, as CI systems read it: one suite per policy file, a <failure> per failed case. */
function junit(results, file) {
  const failures = results.filter((r) => !r.ok).length;
  const cases = results.map((r) => {
    const open = `    <testcase name="${xml(r.name)}" classname="${xml(file)}"`;
    if (r.ok) return `${open}/>`;
    return `${open}>\n      <failure message="${xml(`expected ${r.expected}, got ${r.actual}`)}" type="${xml(r.actual)}">${xml(`${r.route}: ${r.reason}${r.rule ? ` (rule ${r.rule})` : ''}`)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${results.length}" failures="${failures}">`,
    `  <testsuite name="${xml(file)}" tests="${results.length}" failures="${failures}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
  ];
}

export default {
  name: 'test',
  summary: 'run allow/deny cases against a policy: TAP, JUnit or JSON; exit 1 on a failure',
  usage: 'jwtgate policy test <policy.json> <cases.json> [--junit | --json] [--at DATE]',
  help: `Decides each case with the Lambda authorizer and compares it with its expectation.
cases.json is an array of

  { "name": "readers list pets", "claims": { "sub": "alice", "scope": "pets:read" },
    "method": "GET", "path": "/pets", "expect": "allow" }

with "token" (decoded, NOT verified) instead of "claims" if you like, and a route key such
as "$connect" as the method (then without a path). A case whose claims are not valid at the
time (an expired token's) is neither allowed nor denied: it fails as "unauthorized".

  --junit      JUnit XML instead of TAP
  --json       { passed, failed, cases: [{ name, route, expected, actual, ok, rule, reason }] }
  --at DATE    decide at this time (default now)

Exit codes: 0 every case passed, 1 a case failed, 2 bad usage or input.`,
  flags: { junit: { type: 'boolean' }, at: { type: 'string' } },
  async run({ flags, positionals }, io) {
    const [policyFile, casesFile] = positionals;
    if (!policyFile || !casesFile) throw usageError('give the policy file and the cases file');
    if (flags.junit && flags.json) throw usageError('give --junit or --json, not both');
    const currentDate = dateFlag(flags.at);
    const decide = await createDecider(policyFile);
    const results = [];
    for (const testCase of casesOf(casesFile)) results.push(await run(decide, testCase, currentDate));
    const failed = results.filter((r) => !r.ok).length;
    if (flags.json) writeJson(io, { passed: results.length - failed, failed, cases: results });
    else writeLines(io, flags.junit ? junit(results, policyFile) : tap(results));
    return failed ? 1 : 0;
  },
};
