//! The one evaluation of a rule: whether it applies to a request for a principal, and if not,
//! which check failed first. Deciding, explaining, and the IAM answers' principal classes are
//! all views of it.

use serde_json::{Map, Value};

use crate::sender::{Binding, Bound};

use super::{
    condition::Condition,
    operator::Requirement,
    route::{Params, Target},
    Rule, Scopes,
};

/// Who a rule is evaluated for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Principal<'a> {
    /// Known by its claims and the scopes they grant ([`super::Policy::granted_scopes`]).
    Claims {
        claims: &'a Map<String, Value>,
        scopes: &'a [&'a str],
        /// How the request proved possession of the token's key.
        bound: Bound,
    },
    /// Known only by the path parameters the rule's `equalsParam` conditions pin for it
    /// ([`Rule::pins`]): it met the scopes and every other condition already.
    Pinned(&'a Params),
}

/// Whether an evaluation is explained. Traced, every rule is evaluated and a rule's failure is
/// its first in the order route, binding, scopes, `when`; untraced, evaluation stops as soon as the
/// outcome is known, and a failure is whichever check was cheapest to find failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracing {
    Off,
    On,
}

/// A check that failed (the first, when traced): cheap to find, explained only when traced
/// ([`super::decide`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Failure<'r> {
    /// No route matches.
    Route,
    /// This sender constraint is not met.
    Binding(Binding),
    /// These required scopes are not granted.
    Scopes(&'r Scopes),
    /// The condition `when[i]` does not hold.
    When(usize, &'r Condition),
}

impl<'a> Principal<'a> {
    // Inlined: called for every rule evaluated, mostly for rules that require no scopes.
    /// The first sender constraint of `rule` the request does not meet.
    fn unmet_binding(&self, rule: &Rule) -> Option<Binding> {
        match self {
            Principal::Claims { bound, .. } => rule.unmet_binding(*bound),
            Principal::Pinned(_) => None,
        }
    }

    #[inline]
    fn unmet_scopes<'r>(&self, rule: &'r Rule) -> Option<&'r Scopes> {
        match self {
            Principal::Claims { scopes, .. } => rule.unmet_scopes(scopes),
            Principal::Pinned(_) => None,
        }
    }

    /// What `condition` asks of the request for this principal.
    fn requirement(&self, condition: &'a Condition) -> Requirement<'a> {
        match *self {
            Principal::Claims { claims, .. } => condition.require(claims),
            Principal::Pinned(pins) => match condition.pinned_param() {
                None => Requirement::Met,
                Some(param) => pins.iter().find(|(name, _)| name == param).map_or(
                    Requirement::Unmet,
                    |(_, text)| Requirement::Pins {
                        param,
                        text: text.into(),
                    },
                ),
            },
        }
    }
}

impl Rule {
    /// `Ok` when the rule applies to `target` for `principal`: a route matches, the scopes are
    /// granted, and every condition holds with the parameters of some matching route. Else a
    /// failed check ([`Tracing`]); for conditions, the first matching route's.
    pub(crate) fn evaluate<'r>(
        &'r self,
        target: Target<'_>,
        principal: Principal<'r>,
        tracing: Tracing,
    ) -> Result<(), Failure<'r>> {
        let scopes = || {
            if let Some(binding) = principal.unmet_binding(self) {
                return Err(Failure::Binding(binding));
            }
            principal
                .unmet_scopes(self)
                .map_or(Ok(()), |s| Err(Failure::Scopes(s)))
        };
        // Scopes are cheaper to check than routes, which bind parameters; but a trace reports
        // a route failure first.
        let scopes_first = tracing == Tracing::Off;
        if scopes_first {
            scopes()?;
        }
        let mut matches = self.matches(target);
        let first = matches.next().ok_or(Failure::Route)?;
        if !scopes_first {
            scopes()?;
        }
        let unmet = |params: &Params| {
            self.when
                .iter()
                .enumerate()
                .find(|(_, condition)| !principal.requirement(condition).holds_on(params))
        };
        match unmet(&first) {
            None => Ok(()),
            Some(_) if matches.any(|params| unmet(&params).is_none()) => Ok(()),
            Some((i, condition)) => Err(Failure::When(i, condition)),
        }
    }

    /// How the rule meets a principal by its claims, whatever the request: `Some` with the
    /// path parameters its `equalsParam` conditions pin to claim texts, for evaluating it as
    /// [`Principal::Pinned`]; `None` when a scope or condition fails on every route.
    pub(crate) fn pins(
        &self,
        claims: &Map<String, Value>,
        scopes: &[&str],
        bound: Bound,
    ) -> Option<Params> {
        if self.unmet_binding(bound).is_some() || self.unmet_scopes(scopes).is_some() {
            return None;
        }
        let mut pinned: Params = Vec::new();
        for condition in &self.when {
            match condition.require(claims) {
                Requirement::Met => {}
                Requirement::Unmet => return None,
                Requirement::Pins { param, text } => {
                    match pinned.iter().find(|(name, _)| name == param) {
                        // One parameter pinned to two texts: no request meets both.
                        Some((_, earlier)) if *earlier != text => return None,
                        Some(_) => {}
                        None => pinned.push((param.to_owned(), text.into_owned())),
                    }
                }
            }
        }
        Some(pinned)
    }

    /// The parameters its `equalsParam` conditions pin.
    pub(crate) fn pinned_params(&self) -> impl Iterator<Item = &str> {
        self.when.iter().filter_map(Condition::pinned_param)
    }

    fn unmet_binding(&self, bound: Bound) -> Option<Binding> {
        self.bindings.iter().copied().find(|b| !b.met_by(bound))
    }

    #[inline]
    fn unmet_scopes(&self, granted: &[&str]) -> Option<&Scopes> {
        self.scopes
            .iter()
            .find(|required| !required.satisfied_by(granted))
    }

    /// The parameters bound by each matching route, in order.
    fn matches<'s>(&'s self, target: Target<'s>) -> impl Iterator<Item = Params> + 's {
        self.routes
            .iter()
            .filter_map(move |route| route.matches(target))
    }
}

impl Scopes {
    /// What it asks, in words: `anyOf pets:read pets:write`.
    pub(crate) fn describe(&self) -> String {
        let (kind, list) = match self {
            Scopes::AnyOf(list) => ("anyOf", list),
            Scopes::AllOf(list) => ("allOf", list),
        };
        format!("{kind} {}", list.join(" "))
    }

    fn satisfied_by(&self, granted: &[&str]) -> bool {
        match self {
            Scopes::AnyOf(list) => list.iter().any(|s| granted.contains(&s.as_str())),
            Scopes::AllOf(list) => list.iter().all(|s| granted.contains(&s.as_str())),
        }
    }
}
