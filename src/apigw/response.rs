//! What API Gateway expects back: an IAM policy (REST, WebSocket, HTTP API without simple
//! responses) or a simple response (HTTP API 2.0).
//!
//! API Gateway caches an authorizer's answer per token and reuses it for every route, so the
//! IAM policy lists every route of the policy document this principal may call, not just the
//! current one, with explicit denials where an IAM wildcard would grant more than the policy.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use serde::{Serialize, Serializer};
use serde_json::{value::RawValue, Map, Value};

use super::arn::{resource, MethodArn};
use crate::policy::{
    route::{Params, Route, Segment, Target},
    Effect, Policy,
};

/// Methods a `*`/`ANY` route is checked for when repairing wildcard over-grants.
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Stands for "some value" in a path parameter when probing what a wildcard would grant.
const PROBE: &str = "jwtgate-probe";

/// The `Resource`s to allow and to deny, after the API and stage ([`resource`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Patterns {
    /// The API and stage, when they hold an IAM wildcard (the console's test calls name the
    /// stage `*`): IAM matches it as one, so matching must see it.
    wild_prefix: Option<String>,
    allow: BTreeSet<String>,
    deny: BTreeSet<String>,
}

impl Patterns {
    /// No patterns yet, under `prefix` (the ARN up to the stage).
    fn under(prefix: &str) -> Self {
        Self {
            wild_prefix: prefix.contains(['*', '?']).then(|| prefix.to_owned()),
            ..Self::default()
        }
    }

    /// Whether IAM matches `pattern` to `resource`, both after the API and stage.
    fn matches(&self, pattern: &str, resource: &str) -> bool {
        match &self.wild_prefix {
            None => iam_glob(pattern, resource),
            Some(prefix) => iam_glob(&[prefix, pattern].concat(), &[prefix, resource].concat()),
        }
    }

    /// Denies `pattern`, and the same path with a trailing `/`: the policy ignores one trailing
    /// `/`, and IAM does not.
    fn deny(&mut self, pattern: String) {
        if !pattern.ends_with(['*', '/']) {
            self.deny.insert(format!("{pattern}/"));
        }
        self.deny.insert(pattern);
    }

    /// What IAM would answer for `resource` (after the API and stage): an allow, and no deny.
    fn permits(&self, resource: &str) -> bool {
        self.allow.iter().any(|p| self.matches(p, resource))
            && !self.deny.iter().any(|p| self.matches(p, resource))
    }
}

/// One principal's answer: what it may call and must not, and the policy document that says
/// so, serialized once (a cached answer is given to many principals, and a large API's document
/// runs to kilobytes).
#[derive(Debug)]
pub(crate) struct Grants {
    patterns: Patterns,
    document: Box<RawValue>,
    /// Names a cached answer's document for the whole process (ids are never reused), so a
    /// binding can hand it over once and refer to it afterwards ([`IamPolicy::refer_to_document`]).
    id: Option<u64>,
}

impl Grants {
    /// The grants of `patterns` under `prefix` (the ARN up to the stage). With nothing to allow
    /// or deny, they deny the whole API and stage: a policy document needs a statement.
    fn new(prefix: &str, mut patterns: Patterns) -> Self {
        if patterns.allow.is_empty() && patterns.deny.is_empty() {
            patterns.deny.insert("/*".to_owned());
        }
        let document = policy_document(prefix, &patterns);
        Self {
            patterns,
            document,
            id: None,
        }
    }

    /// The policy document (JSON text).
    #[cfg(any(test, target_arch = "wasm32"))]
    pub(crate) fn document(&self) -> &str {
        self.document.get()
    }

    /// The document's id, for a cached answer.
    #[cfg(any(test, target_arch = "wasm32"))]
    pub(crate) fn id(&self) -> Option<u64> {
        self.id
    }

    /// What IAM would answer for `resource` (after the API and stage).
    pub(crate) fn permits(&self, resource: &str) -> bool {
        self.patterns.permits(resource)
    }
}

#[cfg(test)]
impl PartialEq for Grants {
    fn eq(&self, other: &Self) -> bool {
        self.patterns == other.patterns && self.document.get() == other.document.get()
    }
}

/// What the grants of one principal depend on besides the policy, and so what they are cached
/// by: the API and stage, and how the principal meets each rule. [`grants`] reads nothing
/// else; the current request is reconciled afterwards ([`agree_with_current`]), so requests
/// for other ids share the entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GrantInputs {
    prefix: String,
    /// Per rule: whether it applies to this principal, with the path parameters it pins
    /// ([`Rule::applies_to_principal`](crate::policy::Rule)).
    meets: Vec<Option<Params>>,
}

/// Works out the [`GrantInputs`] of a principal: a few claim lookups per rule, whatever the
/// number of routes.
fn grant_inputs(policy: &Policy, arn: &MethodArn, claims: &Map<String, Value>) -> GrantInputs {
    let scopes = policy.granted_scopes(claims);
    GrantInputs {
        prefix: arn.prefix.clone(),
        meets: policy
            .rules
            .iter()
            .map(|rule| rule.applies_to_principal(claims, &scopes))
            .collect(),
    }
}

/// Grants already worked out, by their inputs: principals with the same scopes and groups get
/// the same answer, so most decisions skip building it. Bounded: emptied when full, which costs
/// one rebuild per entry.
#[derive(Debug, Default)]
pub(crate) struct GrantCache {
    /// The policy's [`probe_targets`].
    probes: Vec<(String, String)>,
    entries: Mutex<BTreeMap<GrantInputs, Arc<Grants>>>,
}

/// At most this many answers are kept per authorizer.
const MAX_CACHED_GRANTS: usize = 256;

/// The next cached answer's document id: process-wide, so that ids stay unique across policies
/// and authorizers.
static NEXT_DOCUMENT_ID: AtomicU64 = AtomicU64::new(1);

impl GrantCache {
    pub(crate) fn new(policy: Option<&Policy>) -> Self {
        Self {
            probes: policy.map(probe_targets).unwrap_or_default(),
            entries: Mutex::default(),
        }
    }

    /// The grants for a principal's `claims`, agreeing with the decision (`current_allowed`) for
    /// the current request's ARNs (`current`).
    pub(crate) fn grants(
        &self,
        policy: &Policy,
        arn: &MethodArn,
        claims: &Map<String, Value>,
        current: &[String],
        current_allowed: bool,
    ) -> Arc<Grants> {
        let inputs = grant_inputs(policy, arn, claims);
        let base = self.base(policy, inputs);
        agree_with_current(&arn.prefix, &base, current, current_allowed)
    }

    fn base(&self, policy: &Policy, inputs: GrantInputs) -> Arc<Grants> {
        // A poisoned lock only means another caller panicked mid-insert: answer uncached.
        let Ok(mut entries) = self.entries.lock() else {
            return Arc::new(grants(policy, &self.probes, &inputs));
        };
        if let Some(found) = entries.get(&inputs) {
            return Arc::clone(found);
        }
        let mut built = grants(policy, &self.probes, &inputs);
        built.id = Some(NEXT_DOCUMENT_ID.fetch_add(1, Ordering::Relaxed));
        let built = Arc::new(built);
        if entries.len() >= MAX_CACHED_GRANTS {
            entries.clear();
        }
        entries.insert(inputs, Arc::clone(&built));
        built
    }
}

/// Verification only (no policy): a valid token may call everything under this API and stage.
pub(crate) fn grant_everything(arn: &MethodArn) -> Grants {
    let mut patterns = Patterns::under(&arn.prefix);
    patterns.allow.insert("/*".to_owned());
    Grants::new(&arn.prefix, patterns)
}

/// Every route this principal may call (and must not), as `execute-api` resources. `probes` are
/// the policy's [`probe_targets`].
fn grants(policy: &Policy, probes: &[(String, String)], inputs: &GrantInputs) -> Grants {
    let mut grants = Patterns::under(&inputs.prefix);
    let mut carve_outs = BTreeSet::new();
    for (rule, pins) in policy.rules.iter().zip(&inputs.meets) {
        let Some(pins) = pins else { continue };
        for route in &rule.routes {
            match rule.effect {
                // A pin that cannot be written as the claim's text grants nothing here (the
                // current request is still decided by the policy).
                Effect::Allow => {
                    if let Some(resource) = resource_of(route, pins, Unwritable::Skip) {
                        grants.allow.insert(resource.pattern);
                        carve_outs.extend(resource.carve_outs);
                    }
                }
                // A denial must not be lost: such a pin widens to `*` (over-denies, fails closed).
                Effect::Deny => {
                    if let Some(resource) = resource_of(route, pins, Unwritable::Widen) {
                        grants.deny(resource.pattern);
                    }
                }
            }
        }
    }
    let probes: Vec<(String, bool)> = probes
        .iter()
        .map(|(method, path)| {
            let target = Target::Http { method, path };
            (
                resource(method, path),
                policy.allows_principal(target, &inputs.meets),
            )
        })
        .collect();
    // A one-segment `*` must not grant deeper paths: deny them, unless that would also deny a
    // route of the document this principal may call (then the README's caveat applies).
    for carve_out in carve_outs {
        if !probes
            .iter()
            .any(|(probe, allowed)| *allowed && grants.matches(&carve_out, probe))
        {
            grants.deny(carve_out);
        }
    }
    // Routes of the document that an allowed pattern covers but the policy denies.
    for (probe, allowed) in &probes {
        if !allowed && grants.permits(probe) {
            grants.deny(probe.clone());
        }
    }
    Grants::new(&inputs.prefix, grants)
}

/// Whether a claim's text, pinned to a parameter, can be written into an IAM resource as
/// exactly the paths the parameter then matches: one segment (a greedy `{name+}`: one or more,
/// joined by `/`), each a segment a request path can have (not empty, `.` or `..`), and no IAM
/// wildcard (`*`, `?`) or policy variable (`${…}`) anywhere.
fn is_writable_pin(text: &str, greedy: bool) -> bool {
    let literal = |segment: &str| !matches!(segment, "" | "." | "..") && is_iam_literal(segment);
    if greedy {
        text.split('/').all(literal)
    } else {
        !text.contains('/') && literal(text)
    }
}

/// Whether IAM reads `text` in a `Resource` as itself: no wildcard (`*`, `?`) and no policy
/// variable (`${…}`).
fn is_iam_literal(text: &str) -> bool {
    !text.contains(['*', '?']) && !text.contains("${")
}

/// What [`resource_of`] does with a pinned parameter whose text is not [`is_writable_pin`].
#[derive(Clone, Copy)]
enum Unwritable {
    /// No resource: for allowing (granting nothing more is safe).
    Skip,
    /// `*` in its place: for denying (denying more is safe).
    Widen,
}

/// The answer must decide the current request exactly as the policy did. When wildcards make
/// that impossible for an allowed request, fall back to allowing just this request (cached
/// answers then over-deny, which fails closed); a path holding a `*` or `?` (or `${`) cannot be
/// allowed alone, IAM taking them as wildcards (or a policy variable), so then the request is
/// denied (fails closed too). Most answers need no change and are shared.
fn agree_with_current(
    prefix: &str,
    base: &Arc<Grants>,
    current: &[String],
    allowed: bool,
) -> Arc<Grants> {
    if allowed && !current.iter().all(|c| base.permits(c)) {
        let mut patterns = Patterns::under(prefix);
        patterns.allow = current
            .iter()
            .filter(|c| is_iam_literal(c))
            .cloned()
            .collect();
        Arc::new(Grants::new(prefix, patterns))
    } else if !allowed && current.iter().any(|c| base.permits(c)) {
        let mut patterns = base.patterns.clone();
        for denied in current.iter().filter(|c| base.permits(c)) {
            patterns.deny(denied.clone());
        }
        Arc::new(Grants::new(prefix, patterns))
    } else {
        Arc::clone(base)
    }
}

/// A route's resource pattern and the patterns of the deeper paths its one-segment wildcards
/// would also match.
struct Resource {
    pattern: String,
    carve_outs: Vec<String>,
}

/// The resource pattern of a route; parameters pinned by `equalsParam` take the claim's value
/// (a greedy one too: `{path+}` pinned to `u1` is `u1`, not `*`).
fn resource_of(
    route: &Route,
    bound: &[(String, String)],
    unwritable: Unwritable,
) -> Option<Resource> {
    let (method, segments) = match route {
        // `$default` also catches every HTTP route.
        Route::Key(key) if key == "$default" => {
            return Some(Resource {
                pattern: "/*".to_owned(),
                carve_outs: Vec::new(),
            })
        }
        Route::Key(key) => {
            return Some(Resource {
                pattern: resource(key, ""),
                carve_outs: Vec::new(),
            })
        }
        Route::Http { method, segments } => (method.as_deref().unwrap_or("*"), segments),
    };
    let pinned = |name: &str, greedy: bool| {
        let (_, text) = bound.iter().find(|(n, _)| n == name)?;
        Some(match unwritable {
            _ if is_writable_pin(text, greedy) => Some(text.as_str()),
            Unwritable::Skip => None,
            Unwritable::Widen => Some("*"),
        })
    };
    // (text, whether it is a one-segment wildcard)
    let parts: Vec<(&str, bool)> = segments
        .iter()
        .map(|segment| match segment {
            Segment::Literal(text) => Some((text.as_str(), false)),
            Segment::Param(name) => match pinned(name, false) {
                Some(text) => text.map(|text| (text, false)),
                None => Some(("*", true)),
            },
            Segment::Any => Some(("*", true)),
            Segment::Rest(name) => match name.as_deref().and_then(|name| pinned(name, true)) {
                Some(text) => text.map(|text| (text, false)),
                None => Some(("*", false)),
            },
        })
        .collect::<Option<_>>()?;
    let join = |parts: &[(&str, bool)]| slash_join(parts.iter().map(|(text, _)| *text));
    let carve_outs = (0..parts.len())
        .filter(|i| parts[*i].1)
        .map(|i| {
            let mut deeper = parts.clone();
            deeper[i].0 = "*/*";
            resource(method, &join(&deeper))
        })
        .collect();
    Some(Resource {
        pattern: resource(method, &join(&parts)),
        carve_outs,
    })
}

/// Each route of the document as a concrete request, with a probe value in every wildcard and
/// every method for routes of any method: the table each answer is checked against. It depends
/// on the policy alone.
fn probe_targets(policy: &Policy) -> Vec<(String, String)> {
    let mut routes: Vec<(&Option<String>, &[Segment])> = Vec::new();
    for route in policy.rules.iter().flat_map(|r| &r.routes) {
        if let Route::Http { method, segments } = route {
            if !routes.contains(&(method, segments.as_slice())) {
                routes.push((method, segments));
            }
        }
    }
    let mut out = Vec::new();
    for (method, segments) in routes {
        let path = probe(segments);
        match method {
            Some(method) => out.push((method.clone(), path)),
            None => out.extend(METHODS.iter().map(|m| ((*m).to_owned(), path.clone()))),
        }
    }
    out
}

/// A concrete path matching the pattern, with a probe value for every wildcard.
fn probe(segments: &[Segment]) -> String {
    slash_join(segments.iter().map(|s| match s {
        Segment::Literal(text) => text.as_str(),
        _ => PROBE,
    }))
}

/// `/a/b/c`, or `/` for no segments.
fn slash_join<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    let path = parts.fold(String::new(), |mut path, part| {
        path.push('/');
        path.push_str(part);
        path
    });
    if path.is_empty() {
        "/".into()
    } else {
        path
    }
}

/// IAM resource matching: `*` any run of characters (including none), `?` one character.
/// On bytes: the patterns and resources built here are ASCII apart from literal path text,
/// and the patterns never contain `?`.
/// Patterns and resources are matched after the API's prefix ([`resource`]) unless it holds a
/// wildcard, so most patterns fail within the first bytes (the method).
pub(crate) fn iam_glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        // A `*` is a wildcard even where the text holds a `*`: tried first, it stays one.
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

/// What API Gateway gets back from the authorizer, serialized straight from the grants (no
/// intermediate JSON value).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Response {
    /// An IAM policy: REST and WebSocket APIs, and HTTP APIs without simple responses.
    Iam(IamPolicy),
    /// `{ isAuthorized, context }`: HTTP API 2.0 with simple responses.
    Simple {
        /// Whether the request is allowed.
        is_authorized: bool,
        /// The authorizer context.
        context: Map<String, Value>,
    },
}

/// The IAM policy answer: `{ principalId, policyDocument, context, usageIdentifierKey? }`.
#[derive(Debug, Clone)]
pub struct IamPolicy {
    principal_id: String,
    grants: Arc<Grants>,
    context: Map<String, Value>,
    usage_identifier_key: Option<String>,
    /// `policyDocument` is written as the document's id ([`IamPolicy::refer_to_document`]).
    by_id: bool,
}

impl IamPolicy {
    /// For bindings that keep policy documents by id: from now on `policyDocument` is written
    /// as the document's id (a number) when the answer is a cached one, which many principals
    /// share, and the answer that names it is returned, to look the document up once. A
    /// response of a few hundred bytes is then mostly the document: the other side parses it
    /// once instead of on every decision. `None` (and no change) for an answer of its own.
    #[cfg(any(test, target_arch = "wasm32"))]
    pub(crate) fn refer_to_document(&mut self) -> Option<Arc<Grants>> {
        self.by_id = self.grants.id.is_some();
        self.by_id.then(|| Arc::clone(&self.grants))
    }
}

/// The IAM policy answer.
pub(crate) fn iam_response(
    principal: &str,
    grants: Arc<Grants>,
    context: Map<String, Value>,
    usage_key: Option<String>,
) -> Response {
    Response::Iam(IamPolicy {
        principal_id: principal.to_owned(),
        grants,
        context,
        usage_identifier_key: usage_key,
        by_id: false,
    })
}

/// `{ Version, Statement }`: an allow statement and a deny statement, each left out when empty,
/// listing full `execute-api` ARNs.
fn policy_document(prefix: &str, patterns: &Patterns) -> Box<RawValue> {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Document<'a> {
        version: &'static str,
        statement: Vec<Statement<'a>>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Statement<'a> {
        action: &'static str,
        effect: &'static str,
        resource: Resources<'a>,
    }
    /// Patterns written with the prefix before each.
    struct Resources<'a>(&'a str, &'a BTreeSet<String>);
    impl Serialize for Resources<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.1.iter().map(|pattern| [self.0, pattern].concat()))
        }
    }
    let statement = [("Allow", &patterns.allow), ("Deny", &patterns.deny)]
        .into_iter()
        .filter(|(_, resources)| !resources.is_empty())
        .map(|(effect, resources)| Statement {
            action: "execute-api:Invoke",
            effect,
            resource: Resources(prefix, resources),
        })
        .collect();
    let document = Document {
        version: "2012-10-17",
        statement,
    };
    // Serializing strings cannot fail; were it to, `null` makes API Gateway refuse the answer.
    serde_json::value::to_raw_value(&document).unwrap_or_default()
}

/// The HTTP API 2.0 simple response.
pub(crate) fn simple_response(allowed: bool, context: Map<String, Value>) -> Response {
    Response::Simple {
        is_authorized: allowed,
        context,
    }
}

impl Serialize for Response {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Simple<'a> {
            is_authorized: bool,
            context: &'a Map<String, Value>,
        }
        /// The document itself, or its id.
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Document<'a> {
            Text(&'a RawValue),
            Id(u64),
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Iam<'a> {
            principal_id: &'a str,
            policy_document: Document<'a>,
            context: &'a Map<String, Value>,
            #[serde(skip_serializing_if = "Option::is_none")]
            usage_identifier_key: Option<&'a str>,
        }
        match self {
            Response::Simple {
                is_authorized,
                context,
            } => Simple {
                is_authorized: *is_authorized,
                context,
            }
            .serialize(serializer),
            Response::Iam(iam) => Iam {
                principal_id: &iam.principal_id,
                policy_document: match iam.grants.id {
                    Some(id) if iam.by_id => Document::Id(id),
                    _ => Document::Text(&iam.grants.document),
                },
                context: &iam.context,
                usage_identifier_key: iam.usage_identifier_key.as_deref(),
            }
            .serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached answer is only ever reused for a principal whose claims meet the document the
    /// same way: each answer equals the one built from scratch, in any order of principals and
    /// requests; requests for other ids share the entry.
    #[test]
    fn cached_grants_equal_fresh_ones() {
        let policy = Policy::from_json(
            r#"{"rules":[
                {"id":"read","effect":"allow","routes":["GET /pets","GET /pets/{id}"],"scopes":{"anyOf":["pets:read"]}},
                {"id":"admin","effect":"allow","routes":["* /pets/*"],"when":[{"claim":"groups","containsAny":["admin"]}]},
                {"id":"tenant","effect":"allow","routes":["GET /tenants/{t}/orders"],"when":[{"claim":"tenant","equalsParam":"t"}]},
                {"id":"no-delete","effect":"deny","routes":["DELETE /pets/{id}"],"when":[{"claim":"groups","containsAny":["intern"]}]}
            ]}"#,
        )
        .unwrap();
        let principals = [
            serde_json::json!({ "scope": "pets:read" }),
            serde_json::json!({ "scope": "pets:read", "groups": ["admin"] }),
            serde_json::json!({ "groups": ["admin", "intern"], "tenant": "t1" }),
            serde_json::json!({ "tenant": "t2" }),
            serde_json::json!({ "tenant": "t1" }),
            serde_json::json!({}),
            serde_json::json!({ "scope": "openid pets:read", "sub": "someone else" }),
        ];
        let cache = GrantCache::new(Some(&policy));
        for (method, path) in [
            ("GET", "/pets/7"),
            ("DELETE", "/pets/8"),
            ("GET", "/tenants/t1/orders"),
        ] {
            let arn = MethodArn::parse(&format!("arn:aws:execute-api:r:1:api/prod/{method}{path}"))
                .unwrap();
            let current = [resource(method, path)];
            for claims in &principals {
                let claims = claims.as_object().unwrap();
                let allowed = policy.allows(Target::Http { method, path }, claims);
                let inputs = grant_inputs(&policy, &arn, claims);
                let fresh = agree_with_current(
                    &arn.prefix,
                    &Arc::new(grants(&policy, &cache.probes, &inputs)),
                    &current,
                    allowed,
                );
                let cached = cache.grants(&policy, &arn, claims, &current, allowed);
                assert_eq!(cached, fresh, "{method} {path}: {claims:?}");
                assert_eq!(
                    cached.permits(&current[0]),
                    allowed,
                    "{method} {path}: {claims:?}"
                );
            }
        }
        // Only the last principal meets every rule like an earlier one (the first) does, and
        // the three requests share the entries.
        assert_eq!(cache.entries.lock().unwrap().len(), principals.len() - 1);
    }

    /// A cached answer never allows a request the policy denies, whatever the claims pinned by
    /// `equalsParam` hold: a greedy parameter is written as the claim's text (not `*`), and a
    /// denial whose pinned text cannot be written exactly is widened, not dropped.
    #[test]
    fn pinned_parameters_never_allow_more_than_the_policy() {
        let policy = Policy::from_json(
            r#"{"rules":[
                {"id":"home","effect":"allow","routes":["GET /files/{path+}"],"when":[{"claim":"home","equalsParam":"path"}]},
                {"id":"all","effect":"allow","routes":["GET /shared/**","GET /docs/{d}"]},
                {"id":"blocked","effect":"deny","routes":["GET /shared/{path+}"],"when":[{"claim":"blocked","equalsParam":"path"}]},
                {"id":"hidden","effect":"deny","routes":["GET /docs/{d}"],"when":[{"claim":"hidden","equalsParam":"d"}]}
            ]}"#,
        )
        .unwrap();
        let principals = [
            serde_json::json!({ "home": "u1" }),
            serde_json::json!({ "home": "u1/docs" }),
            serde_json::json!({ "home": "u*" }),
            serde_json::json!({ "blocked": "a/b", "hidden": "x" }),
            serde_json::json!({ "blocked": "a*", "hidden": "x?" }),
            serde_json::json!({ "blocked": "", "hidden": "a/b" }),
            serde_json::json!({ "home": "${aws:username}", "hidden": "${x}" }),
            serde_json::json!({ "home": "u1/", "hidden": "." }),
            serde_json::json!({ "home": "u1//docs", "hidden": ".." }),
            serde_json::json!({ "home": "/u1", "blocked": "a/./b" }),
            serde_json::json!({ "home": "x/../admin", "blocked": "a/" }),
        ];
        let requests = [
            "/files/u1",
            "/files/u1/docs",
            "/files/u2/secret",
            "/files/u1/other",
            "/files/u*",
            "/shared/x",
            "/shared/a/b",
            "/shared/a*",
            "/shared/a",
            "/docs/x",
            "/docs/x?",
            "/docs/y",
            "/docs/x/",
            "/shared/a/b/",
            "/files/u1/",
            "/files/admin",
            "/shared/a/",
        ];
        for claims in &principals {
            let claims = claims.as_object().unwrap();
            for asked in requests {
                let arn = MethodArn::parse(&format!("arn:aws:execute-api:r:1:api/prod/GET{asked}"))
                    .unwrap();
                let allowed = policy.allows(
                    Target::Http {
                        method: "GET",
                        path: asked,
                    },
                    claims,
                );
                let answer = GrantCache::new(Some(&policy)).grants(
                    &policy,
                    &arn,
                    claims,
                    &[resource("GET", asked)],
                    allowed,
                );
                // IAM could read `${…}` as a policy variable.
                assert!(!answer.document().contains("${"), "{}", answer.document());
                for other in requests {
                    if answer.permits(&resource("GET", other)) {
                        assert!(
                            policy.allows(
                                Target::Http {
                                    method: "GET",
                                    path: other
                                },
                                claims
                            ),
                            "the answer for GET {asked} allows GET {other} for {claims:?}"
                        );
                    }
                }
            }
        }
        // Texts no request path's parameter can hold (empty, `.` or `..` segments) are not
        // written either: the policy never matches them, an IAM resource would.
        for text in ["u1/", "/u1", "u1//docs", "x/../admin", "a/./b", "..", "."] {
            assert!(!is_writable_pin(text, true), "{text}");
        }
        assert!(is_writable_pin("u1/docs", true) && !is_writable_pin("u1/docs", false));
        // The greedy pin is written exactly: the answer is shared, and still exact.
        let claims = serde_json::json!({ "home": "u1/docs" });
        let arn = MethodArn::parse("arn:aws:execute-api:r:1:api/prod/GET/files/u1/docs").unwrap();
        let current = [resource("GET", "/files/u1/docs")];
        let answer = GrantCache::new(Some(&policy)).grants(
            &policy,
            &arn,
            claims.as_object().unwrap(),
            &current,
            true,
        );
        assert!(answer.id().is_some());
        assert!(
            answer.document().contains("/GET/files/u1/docs\""),
            "{}",
            answer.document()
        );
    }

    /// Cached answers, and only they, name their document by an id of their own: a fresh
    /// cache (a new policy) never reuses an id, and an answer written by id says just the id.
    #[test]
    fn cached_documents_have_ids_of_their_own() {
        let policy = Policy::from_json(
            r#"{"rules":[{"id":"read","effect":"allow","routes":["GET /pets"],"scopes":{"anyOf":["pets:read"]}}]}"#,
        )
        .unwrap();
        let arn = MethodArn::parse("arn:aws:execute-api:r:1:api/prod/GET/pets").unwrap();
        let current = [resource("GET", "/pets")];
        let reader = serde_json::json!({ "scope": "pets:read" });
        let reader = reader.as_object().unwrap();
        let nobody = Map::new();
        let answer = |cache: &GrantCache, claims, allowed| {
            cache.grants(&policy, &arn, claims, &current, allowed)
        };
        let cache = GrantCache::new(Some(&policy));
        let read = answer(&cache, reader, true);
        let none = answer(&cache, &nobody, false);
        assert!(read.id().is_some() && none.id().is_some() && read.id() != none.id());
        assert_eq!(
            answer(&cache, reader, true).id(),
            read.id(),
            "the cached entry"
        );
        assert_ne!(
            answer(&GrantCache::new(Some(&policy)), reader, true).id(),
            read.id()
        );
        // The reader's answer, disagreeing with a denial of the current request: its own.
        assert_eq!(answer(&cache, reader, false).id(), None);
        assert_eq!(grant_everything(&arn).id(), None);

        let Response::Iam(mut iam) = iam_response("alice", Arc::clone(&read), Map::new(), None)
        else {
            unreachable!()
        };
        let whole = serde_json::to_string(&Response::Iam(iam.clone())).unwrap();
        assert!(whole.contains(&format!(r#""policyDocument":{}"#, read.document())));
        let named = iam.refer_to_document().unwrap();
        assert!(Arc::ptr_eq(&named, &read));
        assert_eq!(
            serde_json::to_string(&Response::Iam(iam)).unwrap(),
            format!(
                r#"{{"principalId":"alice","policyDocument":{},"context":{{}}}}"#,
                read.id().unwrap()
            )
        );
        let own = agree_with_current(&arn.prefix, &read, &current, false);
        let Response::Iam(mut iam) = iam_response("bob", own, Map::new(), None) else {
            unreachable!()
        };
        assert!(iam.refer_to_document().is_none());
        let text = serde_json::to_string(&Response::Iam(iam)).unwrap();
        assert!(text.contains(r#""policyDocument":{"Version""#), "{text}");
    }

    /// Documents name full ARNs, escaped as JSON; with nothing to allow or deny, the whole API
    /// and stage is denied.
    #[test]
    fn documents_list_full_arns() {
        let prefix = "arn:aws:execute-api:r:1:api/prod";
        let empty = Grants::new(prefix, Patterns::under(prefix));
        assert_eq!(
            empty.document.get(),
            r#"{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Deny","Resource":["arn:aws:execute-api:r:1:api/prod/*"]}]}"#
        );
        assert!(!empty.permits("/GET/pets"));
        let patterns = Patterns {
            allow: BTreeSet::from(["/GET/a\"b".to_owned(), "/GET/pets/*".to_owned()]),
            deny: BTreeSet::from(["/GET/pets/*/*".to_owned()]),
            ..Patterns::under(prefix)
        };
        let grants = Grants::new(prefix, patterns);
        assert_eq!(
            grants.document.get(),
            r#"{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":["arn:aws:execute-api:r:1:api/prod/GET/a\"b","arn:aws:execute-api:r:1:api/prod/GET/pets/*"]},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":["arn:aws:execute-api:r:1:api/prod/GET/pets/*/*"]}]}"#
        );
        assert!(grants.permits("/GET/pets/1"));
        assert!(!grants.permits("/GET/pets/1/2"));

        // A stage `*` (the console's test calls) is a wildcard to IAM, also in the matching:
        // `…/*/GET/x` covers `…/*/GET/y/GET/x`.
        let mut wild = Patterns::under("arn:aws:execute-api:r:1:api/*");
        wild.allow.insert("/GET/x".to_owned());
        assert!(wild.permits("/GET/y/GET/x"));
        let mut tame = Patterns::under(prefix);
        tame.allow.insert("/GET/x".to_owned());
        assert!(!tame.permits("/GET/y/GET/x"));
    }

    /// Against the definition, recursively, for every pattern and text of up to 5 characters
    /// over `a`, `/`, `*` and `?`.
    /// An allowed request that the shared answer does not permit is allowed alone, unless its
    /// path holds a wildcard character: that would grant other paths too, so it is denied.
    #[test]
    fn an_allowed_request_is_allowed_alone_only_by_its_literal_path() {
        let prefix = "arn:aws:execute-api:r:1:api/prod";
        // As for `allow GET /a/{x}/b` with `deny GET /a/{y}`: IAM's `*` crosses `/`.
        let base = Arc::new(Grants::new(
            prefix,
            Patterns {
                allow: BTreeSet::from(["/GET/a/*/b".to_owned()]),
                deny: BTreeSet::from(["/GET/a/*".to_owned()]),
                ..Patterns::under(prefix)
            },
        ));
        let literal = agree_with_current(prefix, &base, &["/GET/a/1/b".to_owned()], true);
        assert!(literal.permits("/GET/a/1/b"));
        assert!(!literal.permits("/GET/a/2/b"));
        let wild = agree_with_current(prefix, &base, &["/GET/a/*/b".to_owned()], true);
        assert!(!wild.permits("/GET/a/*/b"));
        assert!(!wild.permits("/GET/a/x/y/b"));
        // Nor by a path IAM could read a policy variable in.
        let variable = agree_with_current(prefix, &base, &["/GET/a/${x}/b".to_owned()], true);
        assert!(
            !variable.document().contains("${"),
            "{}",
            variable.document()
        );
    }

    #[test]
    fn iam_glob_matches_by_definition() {
        fn reference(p: &[u8], t: &[u8]) -> bool {
            match (p.split_first(), t.split_first()) {
                (None, _) => t.is_empty(),
                (Some((b'*', rest)), _) => {
                    reference(rest, t) || (!t.is_empty() && reference(p, &t[1..]))
                }
                (Some((c, rest)), Some((d, tail))) => {
                    (*c == b'?' || c == d) && reference(rest, tail)
                }
                (Some(_), None) => false,
            }
        }
        let mut all = vec![String::new()];
        for len in 1..=5 {
            let longer: Vec<String> = all
                .iter()
                .filter(|s| s.len() == len - 1)
                .flat_map(|s| ["a", "/", "*", "?"].map(|c| format!("{s}{c}")))
                .collect();
            all.extend(longer);
        }
        for p in &all {
            for t in &all {
                assert_eq!(
                    iam_glob(p, t),
                    reference(p.as_bytes(), t.as_bytes()),
                    "{p:?} {t:?}"
                );
            }
        }
    }

    #[test]
    fn iam_glob_matches_like_api_gateway() {
        assert!(iam_glob("a/GET/pets/*", "a/GET/pets/1"));
        assert!(iam_glob("a/GET/pets/*", "a/GET/pets/1/secrets"));
        assert!(iam_glob("a/*/pets", "a/DELETE/pets"));
        assert!(iam_glob("a/GET/p?ts", "a/GET/pets"));
        assert!(!iam_glob("a/GET/pets/*", "a/GET/pets"));
        assert!(!iam_glob("a/GET/pets", "a/GET/pets/1"));
        assert!(iam_glob("*", ""));
        assert!(iam_glob("a/GET/pets", "a/GET/pets"));
        assert!(!iam_glob("a/GET/pets", "a/GET/pet"));
        assert!(!iam_glob("a/GET", "b/GET"));
        assert!(iam_glob("a?b*", "axb"));
        assert!(!iam_glob("", "a"));
        assert!(iam_glob("", ""));
        // A `*` in the text is just a character to the pattern's `*`.
        assert!(iam_glob("a/GET/pets/*", "a/GET/pets/*/x"));
        assert!(iam_glob("a/*/GET/x", "a/*/GET/y/GET/x"));
        assert!(!iam_glob("a/GET/x", "a/GET/*"));
    }
}
