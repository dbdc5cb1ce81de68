// `jwtgate policy check policy.json [--api openapi.yaml | template.yaml | cdk.out/….template.json]`:
// the document validated (faults by JSON path), then checked by the core (`checkPolicy` of
// `jwtgate/tools`, the wasm built with the core's `tools` feature): rules
// that can never apply, its coverage of the API's routes, the cache report, the answers' size,
// and each authorizer of a template against what the policy's answers need. This module reads
// the files and prints; every rule is the core's.
import { Policy } from 'jwtgate';
import { checkPolicy } from 'jwtgate/tools';
import { readApiDefinition } from './api-definition.mjs';
import { usageError } from './errors.mjs';
import { readJsonObject } from './input.mjs';
import { stylesOf, writeJson, writeLines } from './output.mjs';

/** The document of `file` as the package loads it, or the core's validation error. */
function load(file) {
  const document = readJsonObject(file, 'policy');
  try {
    new Policy(document); // eslint-disable-line no-new -- it validates
    return { document, rules: Array.isArray(document.rules) ? document.rules.length : 0 };
  } catch (error) {
    if (error.code !== 'ERR_POLICY_INVALID') throw error;
    const at = error.field ?? '$';
    return { invalid: { code: error.code, level: 'error', message: error.message.replace(`policy ${at}: `, ''), at } };
  }
}

/** While the core works, on a terminal only: a line on standard error, erased when done. */
function progress(io, text) {
  if (!io.stderr.isTTY) return () => {};
  io.stderr.write(`${text}…`);
  return () => io.stderr.write('\r\x1b[2K');
}

const LEVEL_STYLE = { error: 'red', warning: 'yellow', note: 'dim' };

function findingLines(findings, files, s) {
  return findings.map((f) => {
    const where = f.at ? `${files.policy}: ${f.at}${f.rule ? ` (rule ${f.rule})` : ''}` : f.source ? `${files.api}: ${f.source}` : files.policy;
    return `  ${s[LEVEL_STYLE[f.level]](f.level.padEnd(7))} ${f.code}  ${where}\n          ${f.message}`;
  });
}

function coverageLines(coverage, s) {
  const width = Math.max(...coverage.map((c) => c.route.length));
  return coverage.map(({ route, rules, allowed }) => {
    const reaching = rules.map((r) => {
      const requires = r.requires.length ? ` [${r.requires.join('; ')}]` : '';
      return `${r.effect === 'allow' ? s.green(r.effect) : s.red(r.effect)} ${r.rule}${r.whole ? '' : ' (some requests)'}${requires}`;
    });
    return `  ${route.padEnd(width)}  ${allowed ? reaching.join(', ') : s.yellow(reaching.length ? `${reaching.join(', ')}: denied to everyone` : 'no rule: denied to everyone')}`;
  });
}

function cacheLines(report, limit) {
  const classes = `${report.classesChecked} principal class${report.classesChecked === 1 ? '' : 'es'} checked${report.allClasses ? '' : ' (a sample)'}`;
  const lines = [report.exact ? `  exact: every class gets an exact cached answer (${classes})` : `  narrowed: ${report.inexact.length} of ${classes} get a narrowed cached answer`];
  for (const inexact of report.inexact) {
    const why = [...inexact.narrowed.map((n) => `${n.resource} left out (${n.reason})`), ...(inexact.overDenied ? [`e.g. ${inexact.overDenied} denied from the cache`] : [])];
    lines.push(`    meeting ${inexact.meets.length ? inexact.meets.join(', ') : 'no conditional rule'}: ${why.join('; ')}`);
  }
  lines.push(`  largest answer: ${report.largestAnswerBytes} bytes (a WebSocket authorizer's answer may have ${limit})`);
  lines.push(...report.remedies.map((remedy) => `  remedy: ${remedy}`));
  return lines;
}

function authorizerLines(authorizers) {
  return authorizers.map(({ config, ttl, caching, perRoute }) => {
    const type = [config.type, config.api, config.payloadVersion && `payload ${config.payloadVersion}`, config.simpleResponses && 'simple responses'].filter(Boolean).join(', ');
    const cache = caching ? `; cached ${ttl} s ${perRoute ? 'per route' : 'for every route'}` : '; not cached';
    return `  ${config.name} (${type})${cache}; identity sources: ${config.identitySources?.join(', ') || 'none'}`;
  });
}

const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function human(result, files, io) {
  const s = stylesOf(io);
  const lines = [`${files.policy}: ${result.invalid ? s.red('invalid') : `valid, ${count(result.rules, 'rule')}`}${files.api ? `, against ${files.api} (${result.apiKind}: ${count(result.apiRoutes, 'route')}, ${count(result.check?.authorizers.length ?? 0, 'template authorizer')})` : ''}`];
  const { check } = result;
  const findings = result.invalid ? [result.invalid] : check.findings;
  if (findings.length) lines.push(s.bold('findings'), ...findingLines(findings, files, s));
  if (check?.coverage) lines.push(s.bold('coverage'), ...(check.coverage.length ? coverageLines(check.coverage, s) : ['  the API has no routes']));
  if (check) lines.push(s.bold('cache report'), ...cacheLines(check.cacheReport, check.maxWebsocketAnswerBytes));
  if (check?.authorizers.length) lines.push(s.bold('authorizers'), ...authorizerLines(check.authorizers));
  const errors = check?.errors ?? 1;
  const warnings = check?.warnings ?? 0;
  lines.push(`${errors ? s.red(count(errors, 'error')) : '0 errors'}, ${count(warnings, 'warning')}`);
  return lines;
}

export default {
  name: 'check',
  summary: 'validate a policy, lint it, check it against an API and its template; exit 1 on an error',
  usage: 'jwtgate policy check <policy.json> [--api openapi.yaml | template.yaml | template.json] [--dpop] [--json]',
  help: `Validates the policy document (a fault is named by its JSON path), then checks it:

  rules that can never apply: a $disconnect route (API Gateway authorizes $connect only), a
  HEAD route no rule allows as GET, conditions no claim meets together, an allow whose every
  request an unconditional deny denies; the cache report (which principals get a narrowed cached answer, and the remedies);
  the largest answer against the WebSocket limit.

With --api, also: policy routes that match no route of the API, API routes no allow rule
reaches, and the coverage table (each API route, the rules that reach it and what they ask).
A SAM or CloudFormation template (YAML with !Ref, !Sub, … or JSON, such as cdk.out's) also
has its authorizers checked: the type, identity sources and result TTL against what the
policy's answers need (simple responses or DPoP with caching on are errors; a narrowed answer
cached for every route is a warning; API Gateway's own JWT authorizers are noted).

  --api FILE   an OpenAPI 3 (or Swagger 2) document, or a SAM/CloudFormation template
  --dpop       the authorizer accepts DPoP proofs (its dpop option): caching must be off
  --json       print { valid, apiKind, check: { errors, warnings, findings, coverage,
               cacheReport, maxWebsocketAnswerBytes, authorizers } } (or { valid: false, findings })

Exit codes: 0 no error (warnings allowed), 1 an invalid policy or an error found, 2 bad usage
or input (a file that cannot be read, is not JSON or YAML, or is no API definition).`,
  flags: { api: { type: 'string' }, dpop: { type: 'boolean' } },
  async run({ flags, positionals }, io) {
    const [policyFile] = positionals;
    if (!policyFile) throw usageError('give the policy file');
    const files = { policy: policyFile, api: flags.api };
    const definition = flags.api === undefined ? undefined : readApiDefinition(flags.api);
    const loaded = load(policyFile);
    const result = { valid: !loaded.invalid, rules: loaded.rules, apiKind: definition?.kind, apiRoutes: definition?.api.length };
    if (loaded.invalid) result.invalid = loaded.invalid;
    else {
      const done = progress(io, `checking ${policyFile}`);
      try {
        result.check = checkPolicy(loaded.document, { api: definition?.api, authorizers: definition?.authorizers, dpop: flags.dpop === true });
      } finally {
        done();
      }
    }
    if (flags.json) {
      const { invalid, rules, apiRoutes, ...rest } = result;
      writeJson(io, invalid ? { valid: false, findings: [invalid] } : rest);
    } else writeLines(io, human(result, files, io));
    return result.invalid || result.check.errors ? 1 : 0;
  },
};
