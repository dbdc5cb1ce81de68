//! The IAM policy a Lambda authorizer answers with, safe to cache by proof.
//!
//! API Gateway caches an authorizer's answer per identity source and reuses it for every
//! route until its TTL runs out, so the answer lists every route the principal may call. The
//! guarantee: for every raw request path, if the cached answer allows the request, a fresh
//! decision allows it. Both sides are regular languages over the path's bytes (IAM's `*` and
//! `?`; the routes under [`crate::request`]'s semantics), and each allowed pattern is kept only
//! once an automaton proves it no wider than the policy ([`answer`]). Where IAM cannot say
//! what the policy says, the answer is narrowed: it denies more, never allows more, and the
//! load-time report ([`report`]) says so in advance.

mod answer;
mod automaton;
mod cache;
mod glob;
mod language;
mod partition;
pub mod report;

use std::{collections::BTreeSet, sync::Arc};

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

pub use self::answer::{Narrowing, MAX_RESOURCE_ARN_LEN};
pub use self::cache::MAX_CACHED_GRANTS;
use self::glob::is_iam_literal;
pub(crate) use self::{cache::GrantCache, glob::iam_glob};

/// The `Resource`s to allow and to deny, after the API and stage ([`super::arn::resource`]).
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

    /// What IAM would answer for `resource` (after the API and stage): an allow, and no deny.
    fn permits(&self, resource: &str) -> bool {
        self.allow.iter().any(|p| self.matches(p, resource))
            && !self.deny.iter().any(|p| self.matches(p, resource))
    }
}

/// One principal's answer, with the policy document that says so, serialized once (a cached
/// answer is given to many principals, and a large API's document runs to kilobytes).
#[derive(Debug)]
pub(crate) struct Grants {
    patterns: Patterns,
    document: Box<RawValue>,
    /// Names a cached answer's document for the whole process (ids are never reused), so a
    /// binding can hand it over once and refer to it afterwards.
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
    pub(crate) fn document(&self) -> &str {
        self.document.get()
    }

    /// The policy document, to be written as it is.
    pub(crate) fn raw_document(&self) -> &RawValue {
        &self.document
    }

    /// The document's id, for a cached answer.
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

/// Verification only (no policy): a valid token may call everything under this API and stage.
pub(crate) fn grant_everything(prefix: &str) -> Grants {
    let mut patterns = Patterns::under(prefix);
    patterns.allow.insert("/*".to_owned());
    Grants::new(prefix, patterns)
}

/// Nothing allowed under this API and stage.
pub(crate) fn deny_everything(prefix: &str) -> Grants {
    Grants::new(prefix, Patterns::under(prefix))
}

/// An answer for the current request alone ([`agree_with_current`]).
pub(crate) fn current_only(prefix: &str, current: &[String], allowed: bool) -> Option<Arc<Grants>> {
    agree_with_current(prefix, &Arc::new(deny_everything(prefix)), current, allowed)
}

/// Makes the answer decide the current request (`current`: its resources, each after the
/// prefix) as the decision did (`allowed`). A denied request the answer would allow gets a
/// denial of its own. An allowed request the answer does not allow (its path holds a `*`, say,
/// or a route was narrowed) is allowed alone, by its literal resource; `None` when that cannot
/// be written (IAM reads `*`, `?` and `${` as wildcards or a variable): the request must then
/// be denied. Most answers need no change and are shared.
pub(crate) fn agree_with_current(
    prefix: &str,
    base: &Arc<Grants>,
    current: &[String],
    allowed: bool,
) -> Option<Arc<Grants>> {
    if allowed && !current.iter().all(|c| base.permits(c)) {
        if !current.iter().all(|c| is_iam_literal(c)) || prefix.contains("${") {
            return None;
        }
        let mut patterns = Patterns::under(prefix);
        patterns.allow = current.iter().cloned().collect();
        return Some(Arc::new(Grants::new(prefix, patterns)));
    }
    if !allowed && current.iter().any(|c| base.permits(c)) {
        let mut patterns = base.patterns.clone();
        for denied in current.iter().filter(|c| base.permits(c)) {
            patterns.deny.insert(denial_of(denied));
        }
        return Some(Arc::new(Grants::new(prefix, patterns)));
    }
    Some(Arc::clone(base))
}

/// A denial covering `resource`: itself, cut short before a `${` (IAM could read a variable
/// there) with a `*` instead, which denies more.
fn denial_of(resource: &str) -> String {
    match resource.find("${") {
        Some(at) => format!("{}*", &resource[..at]),
        None => resource.to_owned(),
    }
}

/// An IAM policy document, as API Gateway reads it.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "PolicyDocument"))]
#[serde(rename_all = "PascalCase")]
struct Document<'a> {
    #[cfg_attr(test, ts(type = "'2012-10-17'"))]
    version: &'static str,
    statement: Vec<Statement<'a>>,
}

/// One statement of a policy document.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "PascalCase")]
struct Statement<'a> {
    #[cfg_attr(test, ts(type = "'execute-api:Invoke'"))]
    action: &'static str,
    #[cfg_attr(test, ts(type = "'Allow' | 'Deny'"))]
    effect: &'static str,
    #[cfg_attr(test, ts(type = "string[]"))]
    resource: Resources<'a>,
}

/// Patterns written with the prefix before each.
struct Resources<'a>(&'a str, &'a BTreeSet<String>);

impl Serialize for Resources<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.1.iter().map(|pattern| [self.0, pattern].concat()))
    }
}

/// `{ Version, Statement }`: an allow statement and a deny statement, each left out when empty,
/// listing full `execute-api` ARNs.
fn policy_document(prefix: &str, patterns: &Patterns) -> Box<RawValue> {
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

/// The declarations of a policy document's shape.
#[cfg(test)]
pub(crate) fn declarations(cfg: &ts_rs::Config) -> String {
    use ts_rs::TS;
    [Document::decl(cfg), Statement::decl(cfg)].join("\n\nexport ")
}

#[cfg(test)]
mod tests;
