//! The policy as a language: for one principal class and one method, the automaton of every
//! raw request path the fresh decision allows, exactly as [`crate::request`] and the route
//! matcher define it (escapes decoded once, `HEAD` needing `GET`, one trailing `/`, no empty
//! or dot segments), so that a cached answer can be checked against it.

use super::automaton::{Alphabet, Bytes, Dense, Dfa, Nfa, TooLarge};
use crate::{
    policy::{
        route::{Params, Route, Segment},
        Effect, Policy,
    },
    request::{hex_value, is_plain_segment, Separators, METHODS},
};

/// The bytes the decoding rule and the route syntax tell apart.
pub(crate) const SYNTAX: &[u8] = b"/.%*?0123456789abcdefABCDEF";

/// What the fresh decision allows, per method.
pub(crate) struct Language {
    pub alphabet: Alphabet,
    /// `(method, automaton of the paths allowed with it)`, for each of [`METHODS`].
    pub methods: Vec<(&'static str, Dfa)>,
}

impl Language {
    /// The language of a principal class (`meets`: how it meets each rule). The alphabet names
    /// the bytes of the policy's literals and pins, and `more` (the answer's patterns).
    pub(crate) fn new(
        policy: &Policy,
        meets: &[Option<Params>],
        more: impl IntoIterator<Item = u8>,
    ) -> Result<Self, TooLarge> {
        let alphabet = Alphabet::new(named_bytes(policy, meets).chain(more));
        let raw = |method| allowed_raw(&alphabet, policy, meets, method);
        let mut methods = Vec::new();
        for method in METHODS {
            let mut allowed = raw(method)?;
            // No path at all (a method no route names): no escape can spell one either. Most
            // methods are such, and the preimages below are most of a first answer's cost.
            if allowed.is_dead(0) {
                methods.push((method, allowed));
                continue;
            }
            if method == "HEAD" {
                allowed = Dfa::combine(&alphabet, &[(&allowed, 0), (&raw("GET")?, 0)], |f| {
                    f[0] && f[1]
                })?;
            }
            let segments = decode_preimage(&alphabet, &allowed, Separators::Kept)?;
            let decoded = decode_preimage(&alphabet, &allowed, Separators::Decoded)?;
            let both = Dfa::combine(&alphabet, &[(&segments, 0), (&decoded, 0)], |f| {
                f[0] && f[1]
            })?;
            methods.push((method, both));
        }
        Ok(Self { alphabet, methods })
    }

    /// The automaton of `method`'s allowed paths.
    #[cfg(test)]
    pub(crate) fn of(&self, method: &str) -> Option<&Dfa> {
        self.methods
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, dfa)| dfa)
    }
}

fn named_bytes<'a>(
    policy: &'a Policy,
    meets: &'a [Option<Params>],
) -> impl Iterator<Item = u8> + 'a {
    let literals = policy
        .rules
        .iter()
        .flat_map(|rule| &rule.routes)
        .flat_map(|route| {
            let segments: &[Segment] = match route {
                Route::Http { segments, .. } => segments,
                Route::Key(_) => &[],
            };
            segments.iter().flat_map(|segment| match segment {
                Segment::Literal(text) => text.as_bytes(),
                _ => &[],
            })
        });
    let pins = meets
        .iter()
        .flatten()
        .flatten()
        .flat_map(|(_, text)| text.as_bytes());
    SYNTAX.iter().chain(literals).chain(pins).copied()
}

/// The raw paths one reading allows with `method`: an allow rule applies and no deny rule does.
fn allowed_raw(
    alphabet: &Alphabet,
    policy: &Policy,
    meets: &[Option<Params>],
    method: &str,
) -> Result<Dfa, TooLarge> {
    let union = |effect| {
        let mut nfa = Nfa::default();
        let start = nfa.state();
        let end = nfa.state();
        for (rule, pins) in policy.rules.iter().zip(meets) {
            let Some(pins) = pins.as_ref().filter(|_| rule.effect == effect) else {
                continue;
            };
            for route in &rule.routes {
                if let Some((from, to)) = route_language(&mut nfa, route, method, pins) {
                    nfa.empty_move(start, from);
                    nfa.empty_move(to, end);
                }
            }
        }
        nfa.determinize(alphabet, start, end)
    };
    let allow = union(Effect::Allow)?;
    let deny = union(Effect::Deny)?;
    Dfa::combine(alphabet, &[(&allow, 0), (&deny, 0)], |f| f[0] && !f[1])
}

/// The paths `route` matches with `method` for a principal whose pins are `pins`: a fragment
/// of `nfa`, `None` when it matches none (another method, a route key, a pinned parameter the
/// route does not bind or whose text no path segment can be).
fn route_language(nfa: &mut Nfa, route: &Route, method: &str, pins: &Params) -> Option<(u32, u32)> {
    let segments = match route {
        Route::Key(key) if key == "$default" => return Some(routable(nfa)),
        Route::Key(_) => return None,
        Route::Http {
            method: Some(m), ..
        } if m != method => return None,
        Route::Http { segments, .. } => segments,
    };
    if !pins
        .iter()
        .all(|(name, _)| route.param_names().any(|n| n == name))
    {
        return None;
    }
    let pinned = |name: &str| {
        pins.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    };
    let start = nfa.state();
    if segments.is_empty() {
        let end = nfa.text(start, b"/");
        return Some((start, end));
    }
    let mut at = start;
    for segment in segments {
        at = nfa.text(at, b"/");
        at = match segment {
            Segment::Literal(text) => nfa.text(at, text.as_bytes()),
            Segment::Param(name) => match pinned(name) {
                Some(text) if !text.contains('/') && is_plain_segment(text) => {
                    nfa.text(at, text.as_bytes())
                }
                Some(_) => return None,
                None => plain_segment(nfa, at),
            },
            Segment::Any => plain_segment(nfa, at),
            Segment::Rest(name) => match name.as_deref().and_then(pinned) {
                Some(text) if text.split('/').all(is_plain_segment) => {
                    nfa.text(at, text.as_bytes())
                }
                Some(_) => return None,
                None => plain_segments(nfa, at),
            },
        };
    }
    // One trailing `/` is ignored.
    let end = nfa.state();
    nfa.empty_move(at, end);
    nfa.edge(at, Bytes::only(b'/'), end);
    Some((start, end))
}

/// From `at`: one segment a wildcard matches (not empty, `.` or `..`); returns its end.
fn plain_segment(nfa: &mut Nfa, at: u32) -> u32 {
    let (dot, dots, done) = (nfa.state(), nfa.state(), nfa.state());
    let not_slash_or_dot = Bytes::all_but(b"/.");
    let not_slash = Bytes::all_but(b"/");
    nfa.edge(at, not_slash_or_dot, done);
    nfa.edge(at, Bytes::only(b'.'), dot);
    nfa.edge(dot, Bytes::only(b'.'), dots);
    nfa.edge(dot, not_slash_or_dot, done);
    nfa.edge(dots, not_slash, done);
    nfa.edge(done, not_slash, done);
    done
}

/// From `at` (a state nothing else leaves): one or more such segments, joined by `/`.
fn plain_segments(nfa: &mut Nfa, at: u32) -> u32 {
    let done = plain_segment(nfa, at);
    nfa.edge(done, Bytes::only(b'/'), at);
    done
}

/// Every routable path: `/`, or plain segments with one optional trailing `/`.
fn routable(nfa: &mut Nfa) -> (u32, u32) {
    let start = nfa.state();
    let root = nfa.text(start, b"/");
    let end = nfa.state();
    nfa.empty_move(root, end);
    let done = plain_segments(nfa, root);
    nfa.empty_move(done, end);
    (start, end)
}

/// A `%` read so far, and maybe one hex digit after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pending {
    Nothing,
    Percent,
    Digit(u8),
}

/// How many [`Pending`] values there are: nothing, `%`, and `%` with each hex digit.
const PENDINGS: usize = 2 + HEX_DIGITS.len();

const HEX_DIGITS: &[u8; 22] = b"0123456789abcdefABCDEF";

impl Pending {
    fn index(self) -> Option<usize> {
        match self {
            Self::Nothing => Some(0),
            Self::Percent => Some(1),
            Self::Digit(d) => Some(2 + HEX_DIGITS.iter().position(|h| *h == d)?),
        }
    }
}

/// The raw paths whose once-decoded reading `decoded` accepts: a `%` and two hex digits
/// stand for one byte (but for an escaped `/` where `separators` keeps it), any other `%` for
/// itself ([`crate::request::percent_decoded`]).
pub(crate) fn decode_preimage(
    alphabet: &Alphabet,
    decoded: &Dfa,
    separators: Separators,
) -> Result<Dfa, TooLarge> {
    let flush = |state: u32, pending: Pending| match pending {
        Pending::Nothing => state,
        Pending::Percent => decoded.step(alphabet, state, b'%'),
        Pending::Digit(d) => decoded.run(alphabet, state, &[b'%', d]),
    };
    let step = |&(state, pending): &(u32, Pending), byte: u8| match (pending, hex_value(byte)) {
        (Pending::Percent, Some(_)) => (state, Pending::Digit(byte)),
        (Pending::Digit(d), Some(low)) => {
            let byte_of = hex_value(d).unwrap_or(0) << 4 | low;
            let state = if byte_of == b'/' && separators == Separators::Kept {
                decoded.run(alphabet, state, &[b'%', d, byte])
            } else {
                decoded.step(alphabet, state, byte_of)
            };
            (state, Pending::Nothing)
        }
        _ => {
            let state = flush(state, pending);
            if byte == b'%' {
                (state, Pending::Percent)
            } else {
                (decoded.step(alphabet, state, byte), Pending::Nothing)
            }
        }
    };
    // A digit `hex_value` knows is one of HEX_DIGITS; were it not, its key is never found.
    let key = |&(state, pending): &(u32, Pending)| {
        pending
            .index()
            .map_or(usize::MAX, |p| state as usize * PENDINGS + p)
    };
    let ids = Dense::new(decoded.len().saturating_mul(PENDINGS), key);
    Dfa::build_with(
        alphabet,
        (0, Pending::Nothing),
        step,
        |&(state, pending)| decoded.accepts(flush(state, pending)),
        ids,
    )
    .map(|dfa| dfa.minimized())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{policy::route::Target, request::Readings};

    /// The automaton against the decision itself, for every path of up to four pieces over
    /// a hostile alphabet: they must agree on every one.
    #[test]
    fn the_language_is_the_decision() {
        let policy = Policy::from_json(
            r#"{"rules":[
                {"id":"own","effect":"allow","routes":["GET /t/{t}/x","GET /t/{t}/{id}/x"],
                 "when":[{"claim":"tenant","equalsParam":"t"}]},
                {"id":"open","effect":"allow","routes":["GET /pets/{id}","* /files/**","HEAD /h","GET /g"]},
                {"id":"no","effect":"deny","routes":["GET /files/secret/**","GET /pets/{id}/x"]}
            ]}"#,
        )
        .unwrap();
        let claims = serde_json::json!({ "tenant": "t1" });
        let claims = claims.as_object().unwrap();
        let meets = policy.meets(claims, crate::sender::Bound::Bearer);
        let language = Language::new(&policy, &meets, []).unwrap();
        let pieces = [
            "/", "pets", "files", "secret", "t", "t1", "x", "1", "", ".", "..", "%2F", "%2f",
            "%70", "%2e", "%2E", "%", "%7", "%73ecret", "*", "?", "h", "g",
        ];
        let mut paths = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = paths
                .iter()
                .flat_map(|p| pieces.iter().map(move |piece| format!("{p}{piece}")))
                .collect();
            paths.extend(longer);
        }
        paths.sort();
        paths.dedup();
        for method in ["GET", "HEAD", "POST"] {
            let dfa = language.of(method).unwrap();
            for path in &paths {
                let want = Readings::new(method, path).targets().all(|target| {
                    matches!(target, Target::Http { .. }) && policy.allows(target, claims)
                });
                assert_eq!(
                    dfa.matches(&language.alphabet, path.as_bytes()),
                    want,
                    "{method} {path:?}"
                );
            }
        }
    }
}
