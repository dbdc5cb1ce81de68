//! Over-denial known in advance: which principal classes get a narrowed (inexact) cached
//! answer, and why, worked out when the policy is loaded. A narrowed answer makes later
//! requests on other routes get a 403 from API Gateway's cache until its TTL runs out; this
//! report says so before production does.

use serde::Serialize;

use super::{
    answer::{self, Narrowing},
    automaton::TooLarge,
    Patterns,
};
use crate::{
    policy::{route::Params, Policy},
    sender::Binding,
};

/// The ARN prefix answer sizes are worked out under (a region, account, API id and stage of
/// usual lengths): the real one is known only per request.
const SAMPLE_PREFIX: &str = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod";

/// API Gateway refuses a WebSocket authorizer's answer of more bytes
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html>);
/// REST and HTTP APIs document none but the Lambda response's 6 MB.
pub const MAX_WEBSOCKET_ANSWER_BYTES: usize = 8192;

/// With at most this many rules that only some principals meet, every combination of them is
/// a class of its own and is checked; with more, a sample (each alone, each left out, all and
/// none).
const MAX_ENUMERATED_RULES: usize = 6;

/// Stands for a claim's text pinned by `equalsParam`.
const PINNED_SAMPLE: &str = "pinned-value";

/// The load-time report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct CacheReport {
    /// Whether every class checked gets an exact answer.
    pub exact: bool,
    /// Whether the decision depends on the route (then a cache per identity alone needs IAM
    /// answers; an HTTP API simple response cannot say which routes it allows).
    pub route_dependent: bool,
    /// How many principal classes were checked, and whether they were all of them.
    pub classes_checked: usize,
    /// `false` when the classes were sampled (too many rules with conditions).
    pub all_classes: bool,
    /// The classes whose answers are inexact.
    pub inexact: Vec<ClassReport>,
    /// The largest answer's policy document, in bytes, under a sample ARN prefix.
    pub largest_answer_bytes: usize,
    /// What to do about it, one sentence each; empty when nothing needs doing.
    pub remedies: Vec<String>,
}

/// One principal class with an inexact answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct ClassReport {
    /// The rules a principal of this class meets (the others' scopes or conditions fail).
    pub meets: Vec<String>,
    /// The patterns left out of its answer, and why.
    pub narrowed: Vec<Narrowing>,
    /// A request the policy allows and the cached answer denies (`METHOD path`), among paths
    /// without escapes, wildcard characters or a trailing `/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_denied: Option<String>,
}

/// The report for `policy`, answered with IAM policies (`simple_responses`: HTTP API 2.0
/// simple responses instead), by an authorizer that accepts DPoP proofs or not (`dpop`).
#[must_use]
pub fn cache_report(policy: &Policy, simple_responses: bool, dpop: bool) -> CacheReport {
    let classes = classes(policy);
    let all_classes = conditional(policy).len() <= MAX_ENUMERATED_RULES;
    let mut inexact = Vec::new();
    let mut largest = 0;
    for meets in &classes {
        let (built, language) = answer::build_proved(policy, meets, SAMPLE_PREFIX.len());
        let patterns = Patterns {
            wild_prefix: None,
            allow: built.allow.clone(),
            deny: built.deny.clone(),
        };
        largest = largest.max(super::policy_document(SAMPLE_PREFIX, &patterns).get().len());
        let over_denied = language
            .ok_or(TooLarge)
            .and_then(|language| answer::over_denial(&language, &built))
            .unwrap_or_else(|_| Some("(too complex to work out)".to_owned()));
        if !built.narrowed.is_empty() || over_denied.is_some() {
            inexact.push(ClassReport {
                meets: met_rules(policy, meets),
                narrowed: built.narrowed,
                over_denied,
            });
        }
    }
    let route_dependent = is_route_dependent(policy);
    let mut remedies = Vec::new();
    if !inexact.is_empty() && !simple_responses {
        remedies.push(PER_ROUTE_CACHE.to_owned());
    }
    if simple_responses && route_dependent {
        remedies.push(SIMPLE_RESPONSES.to_owned());
    }
    if dpop {
        remedies.push(DPOP_UNCACHED.to_owned());
    }
    if needs_certificate_cache(policy) {
        remedies.push(MTLS_CACHE.to_owned());
    }
    CacheReport {
        exact: inexact.is_empty(),
        route_dependent,
        classes_checked: classes.len(),
        all_classes,
        inexact,
        largest_answer_bytes: largest,
        remedies,
    }
}

const PER_ROUTE_CACHE: &str = "Some principals get a narrowed cached answer: a request on another route may get a 403 from API Gateway's cache until its TTL runs out. Make the cache per route (REST REQUEST authorizer: add $context.httpMethod and $context.resourcePath to the identity sources; HTTP API: add $context.routeKey; a TOKEN authorizer cannot, so use a REQUEST authorizer), or set the authorizer's result TTL to 0.";

const SIMPLE_RESPONSES: &str = "The policy decides by route, and HTTP API simple responses do not say which routes they allow: add $context.routeKey to the authorizer's identity sources, or set its result TTL to 0.";

const DPOP_UNCACHED: &str = "DPoP proofs are single-use and bound to one request: an answer API Gateway cached would let the next request through without its proof being checked (or its replay refused). Set the authorizer's result TTL to 0 (SAM: ReauthorizeEvery: 0 for REST, AuthorizerResultTtlInSeconds: 0 for HTTP APIs; CDK: resultsCacheTtl: Duration.seconds(0)).";

const MTLS_CACHE: &str = "The policy requires certificate-bound tokens for some routes, and API Gateway reuses a cached answer for the same identity sources whatever certificate the next request presents: add $context.identity.clientCert.clientCertPem to the identity sources (REST REQUEST and HTTP API authorizers), or set the result TTL to 0.";

/// Whether some rule requires a certificate-bound token: then a cached answer must be kept per
/// certificate.
pub(crate) fn needs_certificate_cache(policy: &Policy) -> bool {
    policy
        .rules
        .iter()
        .any(|r| r.bindings.iter().any(|b| *b != Binding::Dpop))
}

/// The rules only some principals meet: those with scopes, conditions or a binding.
fn conditional(policy: &Policy) -> Vec<usize> {
    (0..policy.rules.len())
        .filter(|i| {
            let rule = &policy.rules[*i];
            !rule.scopes.is_empty() || !rule.when.is_empty() || !rule.bindings.is_empty()
        })
        .collect()
}

/// The principal classes checked: each as how it meets every rule, pinned parameters set to
/// a sample text.
fn classes(policy: &Policy) -> Vec<Vec<Option<Params>>> {
    let conditional = conditional(policy);
    let subsets: Vec<Vec<bool>> = if conditional.len() <= MAX_ENUMERATED_RULES {
        (0..1u32 << conditional.len())
            .map(|bits| {
                (0..conditional.len())
                    .map(|i| bits & (1 << i) != 0)
                    .collect()
            })
            .collect()
    } else {
        let n = conditional.len();
        let mut sample = vec![vec![true; n], vec![false; n]];
        sample.extend((0..n).map(|i| (0..n).map(|j| i == j).collect()));
        sample.extend((0..n).map(|i| (0..n).map(|j| i != j).collect()));
        sample
    };
    subsets
        .into_iter()
        .map(|met| {
            policy
                .rules
                .iter()
                .enumerate()
                .map(|(i, rule)| {
                    let meets = conditional
                        .iter()
                        .position(|c| *c == i)
                        .map_or(true, |at| met[at]);
                    meets.then(|| {
                        rule.pinned_params()
                            .map(|name| (name.to_owned(), PINNED_SAMPLE.to_owned()))
                            .collect()
                    })
                })
                .collect()
        })
        .collect()
}

fn met_rules(policy: &Policy, meets: &[Option<Params>]) -> Vec<String> {
    policy
        .rules
        .iter()
        .zip(meets)
        .filter(|(_, m)| m.is_some())
        .map(|(rule, _)| rule.id.clone())
        .collect()
}

/// Whether some rule is limited to some routes (anything but `$default` or `* /**`), or a
/// deny rule exists: then what a principal may do depends on the route.
fn is_route_dependent(policy: &Policy) -> bool {
    use crate::policy::route::{Route, Segment};
    policy.rules.iter().any(|rule| {
        rule.effect == crate::policy::Effect::Deny
            || rule.routes.iter().all(|route| match route {
                Route::Key(key) => key != "$default",
                Route::Http { method, segments } => {
                    method.is_some() || !matches!(segments.as_slice(), [Segment::Rest(None)])
                }
            })
    })
}
