// `jwtgate policy explain policy.json (--claims FILE | --token T) METHOD PATH`: the decision, its
// trace rule by rule, and the IAM answer API Gateway would cache for the principal.
import { claimsOfToken, createDecider, verdictOf } from './decider.mjs';
import { usageError } from './errors.mjs';
import { dateFlag, readJsonObject, tokenArgument } from './input.mjs';
import { members, stylesOf, writeJson, writeLines } from './output.mjs';

function traceLines(trace, s) {
  return trace.map(({ rule, effect, applied, failed }) => {
    if (applied) return `  ${s.green('applies')}  ${rule} (${effect})`;
    const actual = failed.actual === undefined ? 'missing' : JSON.stringify(failed.actual);
    return `  ${s.dim('skipped')}  ${rule} (${effect}): ${failed.check} wants ${failed.expected}, has ${actual}`;
  });
}

function answerLines(response) {
  if (!response?.policyDocument) return [];
  const statements = response.policyDocument.Statement.flatMap(({ Effect, Resource }) => [].concat(Resource).map((r) => `  ${Effect.padEnd(5)} ${r}`));
  return [
    'IAM answer (cached by API Gateway for this identity source, for every route):',
    `  principalId: ${JSON.stringify(response.principalId)}`,
    ...statements,
    ...(response.context && Object.keys(response.context).length ? ['  context:', ...members(response.context, '    ')] : []),
  ];
}

function human(outcome, io) {
  const s = stylesOf(io);
  const verdict = verdictOf(outcome);
  if (verdict === 'unauthorized') {
    return [`${s.red('unauthorized')} ${outcome.route ?? ''}: ${outcome.error.code}: ${outcome.error.message}`,
      s.dim('the claims are not valid at this time (--at DATE decides at another)')];
  }
  const { decision } = outcome;
  return [
    `${verdict === 'allow' ? s.green('ALLOW') : s.red('DENY')} ${outcome.route}${decision.rule ? ` by rule ${JSON.stringify(decision.rule)}` : ''}`,
    `  ${decision.reason}`,
    s.bold('trace'), ...traceLines(decision.trace, s),
    ...answerLines(outcome.response),
  ];
}

export default {
  name: 'explain',
  summary: 'the decision for claims or a token, its trace, and the cached IAM answer',
  usage: 'jwtgate policy explain <policy.json> (--claims FILE | --token T) <METHOD> <PATH> [--at DATE] [--json]',
  help: `Decides METHOD PATH (or a WebSocket route key such as $connect, without PATH) with the
Lambda authorizer for the claims, and prints the decision, the deciding rule, each rule's
trace (the first check that failed), and the IAM policy the authorizer returns, which API
Gateway caches and reuses for every route of this principal.

  --claims FILE   the claims, a JSON object
  --token T       a token whose claims to use: decoded, NOT verified ("-" reads standard input)
  --at DATE       decide at this time (default now): claims' exp and nbf count
  --json          print { verdict, route, decision, principalId, context, response, error }

Exit codes: 0 allowed or denied, 1 the claims are not valid at that time, 2 bad usage or input.`,
  flags: { claims: { type: 'string' }, token: { type: 'string' }, at: { type: 'string' } },
  async run({ flags, positionals }, io) {
    const [file, method, path] = positionals;
    if (!file || !method || (path === undefined && !method.startsWith('$'))) throw usageError('give the policy file, METHOD and PATH');
    if ((flags.claims === undefined) === (flags.token === undefined)) throw usageError('give --claims FILE or --token T');
    const currentDate = dateFlag(flags.at);
    const decide = await createDecider(file);
    const claims = flags.claims === undefined ? claimsOfToken(await tokenArgument(flags.token, io), '--token') : readJsonObject(flags.claims, 'claims');
    const outcome = await decide({ claims, method, path, currentDate });
    const verdict = verdictOf(outcome);
    if (flags.json) {
      const { status, shape, payload, ...rest } = outcome;
      writeJson(io, { verdict, ...rest });
    } else writeLines(io, human(outcome, io));
    return verdict === 'unauthorized' ? 1 : 0;
  },
};
