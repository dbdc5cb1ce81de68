//! Answers already built, by what they depend on: principals who meet the rules alike (same
//! scopes, groups, pinned values) get the same answer, so most decisions skip building and
//! proving it.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use serde_json::{Map, Value};

use super::{agree_with_current, answer, Grants, Patterns};
use crate::{
    policy::{route::Params, Policy},
    sender::Bound,
};

/// At most this many answers are kept per authorizer; the cache is emptied when full, which
/// costs one rebuild per entry.
pub const MAX_CACHED_GRANTS: usize = 256;

/// The next cached answer's document id: process-wide, so that ids stay unique across policies
/// and authorizers.
static NEXT_DOCUMENT_ID: AtomicU64 = AtomicU64::new(1);

/// What the grants of one principal depend on besides the policy: the API and stage, and how
/// the principal meets each rule. The current request is reconciled afterwards
/// ([`agree_with_current`]), so requests for other routes share the entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GrantInputs {
    prefix: String,
    /// Per rule: whether it applies to this principal, with the path parameters it pins.
    meets: Vec<Option<Params>>,
}

impl GrantInputs {
    pub(crate) fn new(
        policy: &Policy,
        prefix: &str,
        claims: &Map<String, Value>,
        bound: Bound,
    ) -> Self {
        Self {
            prefix: prefix.to_owned(),
            meets: policy.meets(claims, bound),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct GrantCache {
    entries: Mutex<BTreeMap<GrantInputs, Arc<Grants>>>,
}

impl GrantCache {
    /// The grants for a principal's `claims`, agreeing with the decision (`allowed`) for the
    /// current request's resources (`current`); `None` when the answer must deny the current
    /// request although the policy allows it.
    pub(crate) fn grants(
        &self,
        policy: &Policy,
        prefix: &str,
        claims: &Map<String, Value>,
        bound: Bound,
        current: &[String],
        allowed: bool,
    ) -> Option<Arc<Grants>> {
        let base = self.base(policy, GrantInputs::new(policy, prefix, claims, bound));
        agree_with_current(prefix, &base, current, allowed)
    }

    #[cfg(test)]
    pub(crate) fn entries_len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    fn base(&self, policy: &Policy, inputs: GrantInputs) -> Arc<Grants> {
        // A poisoned lock only means another caller panicked mid-insert: answer uncached.
        let Ok(mut entries) = self.entries.lock() else {
            return Arc::new(build(policy, &inputs));
        };
        if let Some(found) = entries.get(&inputs) {
            return Arc::clone(found);
        }
        let mut built = build(policy, &inputs);
        built.id = Some(NEXT_DOCUMENT_ID.fetch_add(1, Ordering::Relaxed));
        let built = Arc::new(built);
        if entries.len() >= MAX_CACHED_GRANTS {
            entries.clear();
        }
        entries.insert(inputs, Arc::clone(&built));
        built
    }
}

/// The proved answer of a principal class. Under a prefix holding an IAM wildcard (the
/// console's test calls name the stage `*`) no pattern could be proved: IAM would match the
/// prefix's `*` across stages and paths alike, so only the current request is answered.
pub(crate) fn build(policy: &Policy, inputs: &GrantInputs) -> Grants {
    let mut patterns = Patterns::under(&inputs.prefix);
    if patterns.wild_prefix.is_some() {
        return Grants::new(&inputs.prefix, patterns);
    }
    let built = answer::build(policy, &inputs.meets, inputs.prefix.len());
    patterns.allow = built.allow;
    patterns.deny = built.deny;
    Grants::new(&inputs.prefix, patterns)
}
