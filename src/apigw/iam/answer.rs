//! The answer of one principal class: every route it may call as IAM resource patterns, built
//! to be exact where IAM can say it, then proved against the policy's language. A pattern the
//! proof refutes is dropped (the answer is narrowed, which fails closed), and why is kept.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{
    automaton::{shortest_word, Alphabet, Dfa, TooLarge},
    glob::{glob_dfa, globs_dfa, is_iam_literal},
    language::Language,
};
use crate::{
    policy::{
        route::{Params, Route, Segment, Target},
        Effect, Policy,
    },
    request::{is_plain_segment, METHODS},
};

/// API Gateway refuses a `Resource` ARN of more characters in an authorizer's policy
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html>).
pub const MAX_RESOURCE_ARN_LEN: usize = 512;

/// Denied wherever a wildcard is allowed: paths no route matches whatever the policy (an
/// empty segment, a dot segment, raw or escaped), which IAM's `*` and `?` would match.
/// `%2?` stands for an escaped dot (`%2e`, `%2E`): it also denies a whole segment that is
/// another escape of `%20`…`%2F`, a space or punctuation alone, which costs little.
const UNROUTABLE: [&str; 13] = [
    "/*//*",
    "/*/./*",
    "/*/.",
    "/*/../*",
    "/*/..",
    "/*/%2?/*",
    "/*/%2?",
    "/*/.%2?/*",
    "/*/.%2?",
    "/*/%2?./*",
    "/*/%2?.",
    "/*/%2?%2?/*",
    "/*/%2?%2?",
];

/// A one-segment wildcard in an allowed pattern: at least one character.
const ONE_OR_MORE: &str = "?*";

/// One principal class's patterns, and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Answer {
    pub allow: BTreeSet<String>,
    pub deny: BTreeSet<String>,
    pub narrowed: Vec<Narrowing>,
}

/// A pattern left out of an answer, and why: requests it stood for get a 403 from a cached
/// answer, though a fresh decision allows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Narrowing {
    /// The rule whose route it was.
    pub rule: String,
    /// The route, as the document writes it.
    pub route: String,
    /// The pattern after the API and stage (`/GET/pets/?*`).
    pub resource: String,
    /// Why it was left out.
    pub reason: String,
}

/// An allowed pattern, and the route it stands for.
struct Candidate<'p> {
    rule: &'p str,
    route: &'p Route,
    resource: String,
}

/// Builds the answer of the class `meets` (how it meets each rule), under an ARN prefix of
/// `prefix_len` characters.
pub(crate) fn build(policy: &Policy, meets: &[Option<Params>], prefix_len: usize) -> Answer {
    build_proved(policy, meets, prefix_len).0
}

/// [`build`], with the policy's language the proof used (`None` where it could not be built),
/// for [`over_denial`] to reuse.
pub(crate) fn build_proved(
    policy: &Policy,
    meets: &[Option<Params>],
    prefix_len: usize,
) -> (Answer, Option<Language>) {
    let mut answer = Answer::default();
    let mut candidates = Vec::new();
    for (rule, pins) in policy.rules.iter().zip(meets) {
        let Some(pins) = pins else { continue };
        for route in &rule.routes {
            match rule.effect {
                Effect::Allow => {
                    for (resource, carve_outs) in allowed(route, pins) {
                        candidates.push(Candidate {
                            rule: &rule.id,
                            route,
                            resource,
                        });
                        answer.deny.extend(carve_outs);
                    }
                }
                Effect::Deny => answer.deny.extend(denied(route, pins)),
            }
        }
    }
    if candidates.iter().any(|c| !is_iam_literal(&c.resource)) {
        answer.deny.extend(UNROUTABLE.map(str::to_owned));
    }
    answer.deny = answer
        .deny
        .iter()
        .map(|pattern| fit_denial(pattern, prefix_len))
        .collect();
    let (fitting, too_long): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .partition(|c| prefix_len + c.resource.len() <= MAX_RESOURCE_ARN_LEN);
    for c in too_long {
        answer.narrow(
            &c,
            format!("its ARN would exceed API Gateway's {MAX_RESOURCE_ARN_LEN} characters"),
        );
    }
    let language = prove(policy, meets, fitting, &mut answer);
    (answer, language)
}

impl Answer {
    fn narrow(&mut self, candidate: &Candidate<'_>, reason: String) {
        self.narrowed.push(Narrowing {
            rule: candidate.rule.to_owned(),
            route: candidate.route.to_string(),
            resource: candidate.resource.clone(),
            reason,
        });
    }
}

/// Keeps each candidate the policy's language proves no wider than the policy. One refuted by
/// an escaped path first gets the escapes under its wildcard denied; one still refuted is left
/// out, with the request that refutes it.
fn prove(
    policy: &Policy,
    meets: &[Option<Params>],
    candidates: Vec<Candidate<'_>>,
    answer: &mut Answer,
) -> Option<Language> {
    let bytes: Vec<u8> = candidates
        .iter()
        .map(|c| c.resource.as_str())
        .chain(answer.deny.iter().map(String::as_str))
        .flat_map(str::bytes)
        .chain(METHODS.iter().flat_map(|m| m.bytes()))
        .collect();
    let proof = Language::new(policy, meets, bytes.iter().copied()).and_then(|language| {
        let slash = glob_dfa(&language.alphabet, "/*")?;
        Ok((language, slash))
    });
    let Ok((language, slash)) = proof else {
        for c in &candidates {
            answer.narrow(
                c,
                "the policy is too complex to prove this answer safe".into(),
            );
        }
        return None;
    };
    let mut denials = None;
    for candidate in candidates {
        let verdict = loop {
            let denied = match &denials {
                Some(dfa) => dfa,
                None => denials.insert(
                    match globs_dfa(&language.alphabet, answer.deny.iter().map(String::as_str)) {
                        Ok(dfa) => dfa,
                        Err(TooLarge) => {
                            break Err("its denials are too complex to prove it safe".to_owned())
                        }
                    },
                ),
            };
            match refutation(
                &language,
                &slash,
                denied,
                policy,
                meets,
                &candidate.resource,
            ) {
                Ok(None) => break Ok(()),
                Ok(Some(request)) => {
                    let escapes = escapes_under(&candidate.resource);
                    if request.contains('%') && answer.deny.insert(escapes) {
                        denials = None;
                        continue;
                    }
                    break Err(format!(
                        "a cached answer would also allow {request}, which the policy denies"
                    ));
                }
                Err(TooLarge) => {
                    break Err("the policy is too complex to prove this pattern safe".to_owned())
                }
            }
        };
        match verdict {
            Ok(()) => {
                answer.allow.insert(candidate.resource);
            }
            Err(reason) => answer.narrow(&candidate, reason),
        }
    }
    Some(language)
}

/// A request that `resource` (less the denials) allows and the policy does not, as
/// `METHOD path`; `None` when there is none.
fn refutation(
    language: &Language,
    slash: &Dfa,
    denied: &Dfa,
    policy: &Policy,
    meets: &[Option<Params>],
    resource: &str,
) -> Result<Option<String>, TooLarge> {
    // A route key: allowed exactly when the policy allows it.
    if let Some(key) = resource.strip_prefix('/').filter(|r| r.starts_with('$')) {
        let allowed = policy.allows_principal(Target::Key(key), meets);
        return Ok((!allowed).then(|| key.to_owned()));
    }
    let alphabet = &language.alphabet;
    let pattern = glob_dfa(alphabet, resource)?;
    for (method, allowed) in &language.methods {
        let head = format!("/{method}");
        let start = pattern.run(alphabet, 0, head.as_bytes());
        if pattern.is_dead(start) {
            continue;
        }
        let parts = [
            (&pattern, start),
            (denied, denied.run(alphabet, 0, head.as_bytes())),
            (allowed, 0),
            (slash, 0),
        ];
        if let Some(path) = shortest_word(alphabet, &parts, |f| f[0] && !f[1] && !f[2] && f[3])? {
            return Ok(Some(format!("{method} {}", String::from_utf8_lossy(&path))));
        }
    }
    Ok(None)
}

/// The denial of every escape under `resource`'s first wildcard: IAM cannot tell which
/// escaped spellings name a denied route (`/%61dmin` is `/admin` to a backend).
fn escapes_under(resource: &str) -> String {
    let fixed = resource
        .find(['*', '?'])
        .map_or(resource, |at| &resource[..at]);
    format!("{fixed}*%*")
}

/// A denial within API Gateway's length limit: cut short and ended with `*`, which denies
/// more (fails closed).
fn fit_denial(pattern: &str, prefix_len: usize) -> String {
    let room = MAX_RESOURCE_ARN_LEN.saturating_sub(prefix_len + 1);
    if pattern.len() <= room + 1 {
        return pattern.to_owned();
    }
    let mut cut = room;
    while !pattern.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}*", &pattern[..cut])
}

/// The methods a route names: its own, or each of API Gateway's.
fn methods(method: Option<&str>) -> Vec<&str> {
    method.map_or_else(|| METHODS.to_vec(), |m| vec![m])
}

/// What a pinned parameter's text becomes in a pattern: itself, when it can stand for exactly
/// the paths the parameter then matches: segments a request can have (not empty, `.` or
/// `..`; one, unless `greedy`), no IAM wildcard or policy variable, no escape (the decoded
/// reading would differ) and no U+FFFD (what a lossy decoding writes).
fn writable_pin(text: &str, greedy: bool) -> Option<&str> {
    let segment_ok = |segment: &str| is_plain_segment(segment) && is_iam_literal(segment);
    let ok = (greedy || !text.contains('/'))
        && text.split('/').all(segment_ok)
        && !text.contains(['%', '\u{FFFD}']);
    ok.then_some(text)
}

/// The allowed patterns of a route, one per method, each with the denials that keep its
/// one-segment wildcards to one segment: no deeper path (`*/*`, or `*/?*` at the end, which
/// leaves one trailing `/` alone) and no escaped `/`. `None` for a route whose pins cannot be
/// written, or that does not bind them all (the rule never applies through it).
fn allowed(route: &Route, pins: &Params) -> Vec<(String, Vec<String>)> {
    let (method, segments) = match route {
        Route::Key(key) if key == "$default" => {
            return METHODS
                .iter()
                .map(|m| (format!("/{m}/*"), Vec::new()))
                .collect()
        }
        Route::Key(key) => return vec![(format!("/{key}"), Vec::new())],
        Route::Http { method, segments } => (method.as_deref(), segments),
    };
    if !pins
        .iter()
        .all(|(name, _)| route.param_names().any(|n| n == name))
    {
        return Vec::new();
    }
    let pinned = |name: &str| {
        pins.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    };
    let mut parts = Vec::new();
    let mut one_segment = Vec::new();
    for segment in segments {
        let part = match segment {
            Segment::Literal(text) => Some(text.as_str()),
            Segment::Param(name) => {
                if let Some(text) = pinned(name) {
                    writable_pin(text, false)
                } else {
                    one_segment.push(parts.len());
                    Some(ONE_OR_MORE)
                }
            }
            Segment::Any => {
                one_segment.push(parts.len());
                Some(ONE_OR_MORE)
            }
            Segment::Rest(name) => match name.as_deref().and_then(pinned) {
                Some(text) => writable_pin(text, true),
                None => Some(ONE_OR_MORE),
            },
        };
        let Some(part) = part else { return Vec::new() };
        parts.push(part);
    }
    let last = parts.len().saturating_sub(1);
    methods(method)
        .into_iter()
        .map(|method| {
            let carve_outs = one_segment
                .iter()
                .flat_map(|&at| {
                    let deeper = if at == last { "*/?*" } else { "*/*" };
                    [deeper, "*%2F*", "*%2f*"].map(|part| {
                        let mut wider: Vec<&str> = parts
                            .iter()
                            .map(|p| if *p == ONE_OR_MORE { "*" } else { p })
                            .collect();
                        wider[at] = part;
                        path_resource(method, &wider)
                    })
                })
                .collect();
            (path_resource(method, &parts), carve_outs)
        })
        .collect()
}

/// The denied patterns of a route: every wildcard and parameter as `*`, a pinned one as its
/// text where that is exact, else `*` (denying more fails closed); each also with a trailing
/// `/`, which the policy ignores and IAM does not. A denial of `GET` is also one of `HEAD`.
fn denied(route: &Route, pins: &Params) -> Vec<String> {
    let (method, segments) = match route {
        Route::Key(key) if key == "$default" => {
            return METHODS.iter().map(|m| format!("/{m}/*")).collect()
        }
        Route::Key(key) => return vec![format!("/{key}")],
        Route::Http { method, segments } => (method.as_deref(), segments),
    };
    let pinned = |name: &str| {
        pins.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    };
    let parts: Vec<&str> = segments
        .iter()
        .map(|segment| match segment {
            Segment::Literal(text) => text.as_str(),
            Segment::Param(name) => pinned(name)
                .and_then(|t| writable_pin(t, false))
                .unwrap_or("*"),
            Segment::Rest(Some(name)) => pinned(name)
                .and_then(|t| writable_pin(t, true))
                .unwrap_or("*"),
            Segment::Any | Segment::Rest(None) => "*",
        })
        .collect();
    let mut methods = methods(method);
    if methods == ["GET"] {
        methods.push("HEAD");
    }
    methods
        .into_iter()
        .flat_map(|method| {
            let pattern = path_resource(method, &parts);
            let slashed = (!pattern.ends_with(['*', '/'])).then(|| format!("{pattern}/"));
            core::iter::once(pattern).chain(slashed)
        })
        .collect()
}

/// `/METHOD/a/b`, or `/METHOD/` for no parts.
fn path_resource(method: &str, parts: &[&str]) -> String {
    let mut resource = format!("/{method}");
    for part in parts {
        resource.push('/');
        resource.push_str(part);
    }
    if parts.is_empty() {
        resource.push('/');
    }
    resource
}

/// The first request of the canonical paths (no escape, wildcard character or trailing `/`)
/// that the policy allows and `answer` denies, as `METHOD path`: `None` when the answer is
/// exact on them. `Err` when that cannot be worked out within bounds.
/// `language` is the one [`build_proved`] gave, whose alphabet names every byte of the answer.
pub(crate) fn over_denial(
    language: &Language,
    answer: &Answer,
) -> Result<Option<String>, TooLarge> {
    let alphabet = &language.alphabet;
    let allowed = globs_dfa(alphabet, answer.allow.iter().map(String::as_str))?;
    let denied = globs_dfa(alphabet, answer.deny.iter().map(String::as_str))?;
    let canonical = canonical_paths(alphabet)?;
    for (method, policy_allows) in &language.methods {
        let head = format!("/{method}");
        let parts = [
            (policy_allows, 0),
            (&canonical, 0),
            (&allowed, allowed.run(alphabet, 0, head.as_bytes())),
            (&denied, denied.run(alphabet, 0, head.as_bytes())),
        ];
        if let Some(path) = shortest_word(alphabet, &parts, |f| f[0] && f[1] && (!f[2] || f[3]))? {
            return Ok(Some(format!("{method} {}", String::from_utf8_lossy(&path))));
        }
    }
    Ok(None)
}

/// `/`, or segments of anything but `/`, `%`, `*` and `?`, without a trailing `/`.
fn canonical_paths(alphabet: &Alphabet) -> Result<Dfa, TooLarge> {
    use super::automaton::{Bytes, Nfa};
    let mut nfa = Nfa::default();
    let start = nfa.state();
    let root = nfa.text(start, b"/");
    let (segment, after) = (nfa.state(), nfa.state());
    let text = Bytes::all_but(b"/%*?");
    nfa.edge(root, text, segment);
    nfa.edge(segment, text, segment);
    nfa.edge(segment, Bytes::only(b'/'), after);
    nfa.edge(after, text, segment);
    let end = nfa.state();
    nfa.empty_move(root, end);
    nfa.empty_move(segment, end);
    nfa.determinize(alphabet, start, end)
}
