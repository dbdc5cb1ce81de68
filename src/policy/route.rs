//! Route patterns: `"GET /pets/{petId}"`, `"* /admin/**"`, `"$connect"`, `"$default"`.
//!
//! `{name}` (and API Gateway's `{name+}` at the end) binds path segments, `*` matches one
//! segment, `**` one or more trailing segments. A single-segment wildcard never matches an
//! empty segment, `.` or `..`, so `/pets/../admin` cannot pass for `/pets/{petId}/admin`.

use core::fmt;
use std::borrow::Cow;

use crate::request::{self, is_plain_segment, METHODS};
pub use crate::request::{Named, Target};

/// A parsed route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A WebSocket or catch-all route key: `$connect`, `$disconnect`, `$default`.
    Key(String),
    /// An HTTP route.
    Http {
        /// `None` for any method.
        method: Option<String>,
        /// The path's segments.
        segments: Vec<Segment>,
    },
}

/// One segment of a path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Matches itself exactly.
    Literal(String),
    /// Matches one segment and binds it.
    Param(String),
    /// Matches one segment.
    Any,
    /// Matches one or more trailing segments; binds them when named (`{proxy+}`).
    Rest(Option<String>),
}

/// Path parameters bound by a match.
pub type Params = Vec<(String, String)>;

impl Route {
    /// Parses a route pattern.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(key) = text.strip_prefix('$') {
            return match key {
                "connect" | "disconnect" | "default" => Ok(Route::Key(text.to_owned())),
                _ => Err(format!(
                    "unknown route key {text:?}: expected $connect, $disconnect or $default"
                )),
            };
        }
        let (method, path) = text
            .split_once(' ')
            .ok_or_else(|| format!("route {text:?} must be \"METHOD /path\" or a $route key"))?;
        let method = match method {
            "*" | "ANY" => None,
            m if METHODS.contains(&m) => Some(m.to_owned()),
            m => return Err(format!("unknown method {m:?} (use GET, POST, …, ANY or *)")),
        };
        let path = path
            .strip_prefix('/')
            .ok_or_else(|| format!("path {path:?} must start with '/'"))?;
        let segments = parse_segments(path)?;
        Ok(Route::Http { method, segments })
    }

    /// Matches a request, returning the bound parameters.
    #[must_use]
    pub fn matches(&self, target: Target<'_>) -> Option<Params> {
        match (self, target) {
            (Route::Key(key), Target::Key(requested)) => (key == requested).then(Vec::new),
            // `$default` is also the HTTP API catch-all route, for every routable path.
            (Route::Key(key), Target::Http { path, .. }) => {
                (key == "$default" && request::route_path(path).is_some()).then(Vec::new)
            }
            (Route::Http { method, segments }, Target::Http { method: m, path }) => {
                if method.as_deref().is_some_and(|want| want != m) {
                    return None;
                }
                match_segments(segments, request::route_path(path)?)
            }
            (Route::Http { .. }, Target::Key(_)) => None,
        }
    }

    /// The names this route binds.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        let segments = match self {
            Route::Http { segments, .. } => segments.as_slice(),
            Route::Key(_) => &[],
        };
        segments.iter().filter_map(|s| match s {
            Segment::Param(name) | Segment::Rest(Some(name)) => Some(name.as_str()),
            _ => None,
        })
    }
}

/// How two route patterns meet, for lints: whether some request matches both
/// ([`Route::overlaps`]), and whether every request one matches, the other does ([`Route::covers`]).
impl Route {
    /// Whether some request matches both `self` and `other`.
    #[must_use]
    pub fn overlaps(&self, other: &Route) -> bool {
        match (self, other) {
            (Route::Key(a), Route::Key(b)) => a == b,
            (Route::Key(key), Route::Http { .. }) | (Route::Http { .. }, Route::Key(key)) => {
                key == "$default"
            }
            (
                Route::Http { method, segments },
                Route::Http {
                    method: m,
                    segments: s,
                },
            ) => methods_meet(method.as_deref(), m.as_deref()) && segments_overlap(segments, s),
        }
    }

    /// Whether every request `other` matches, `self` matches too.
    #[must_use]
    pub fn covers(&self, other: &Route) -> bool {
        match (self, other) {
            (Route::Key(a), Route::Key(b)) => a == b,
            (Route::Key(key), Route::Http { .. }) => key == "$default",
            (Route::Http { .. }, Route::Key(_)) => false,
            (
                Route::Http { method, segments },
                Route::Http {
                    method: m,
                    segments: s,
                },
            ) => (method.is_none() || method == m) && segments_cover(segments, s),
        }
    }
}

fn methods_meet(a: Option<&str>, b: Option<&str>) -> bool {
    a.zip(b).map_or(true, |(a, b)| a == b)
}

/// Whether two single-segment patterns match a common segment (every literal is plain, so a
/// wildcard matches it).
fn segment_meets(a: &Segment, b: &Segment) -> bool {
    match (a, b) {
        (Segment::Literal(x), Segment::Literal(y)) => x == y,
        _ => true,
    }
}

fn segments_overlap(a: &[Segment], b: &[Segment]) -> bool {
    match (a.first(), b.first()) {
        (None, None) => true,
        // `**` (always last) matches one or more plain segments: any non-empty rest.
        (Some(Segment::Rest(_)), rest) | (rest, Some(Segment::Rest(_))) => rest.is_some(),
        (Some(x), Some(y)) => segment_meets(x, y) && segments_overlap(&a[1..], &b[1..]),
        _ => false,
    }
}

fn segments_cover(a: &[Segment], b: &[Segment]) -> bool {
    match (a.first(), b.first()) {
        (None, None) => true,
        (Some(Segment::Rest(_)), rest) => rest.is_some(),
        (Some(Segment::Literal(x)), Some(Segment::Literal(y))) => {
            x == y && segments_cover(&a[1..], &b[1..])
        }
        (Some(Segment::Param(_) | Segment::Any), Some(y)) if !matches!(y, Segment::Rest(_)) => {
            segments_cover(&a[1..], &b[1..])
        }
        _ => false,
    }
}

fn parse_segments(path: &str) -> Result<Vec<Segment>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = path.split('/').collect();
    let mut segments = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let segment = match *part {
            "" => return Err("empty path segment ('//' or a trailing '/')".into()),
            "*" => Segment::Any,
            "**" if last => Segment::Rest(None),
            "**" => return Err("'**' may only end a path".into()),
            p if p.starts_with('{') && p.ends_with('}') => {
                let inner = &p[1..p.len() - 1];
                match inner.strip_suffix('+') {
                    Some(name) if last => Segment::Rest(Some(param_name(name)?)),
                    Some(_) => return Err(format!("greedy parameter {p:?} may only end a path")),
                    None => Segment::Param(param_name(inner)?),
                }
            }
            p if p.contains(['{', '}', '*']) => {
                return Err(format!(
                    "segment {p:?} mixes text with a wildcard or parameter"
                ))
            }
            // `?` would start a query string, and is a wildcard in IAM resources.
            p if p.contains('?') => return Err(format!("segment {p:?} contains '?'")),
            // A request's path is also read decoded, so a literal escape could never match
            // both readings; nor can a dot segment be routed (`crate::request`).
            p if p.contains('%') => {
                return Err(format!(
                    "segment {p:?} contains '%': write the path decoded"
                ))
            }
            p if !is_plain_segment(p) => return Err(format!("dot segment {p:?}")),
            // What a lossy decoding puts for bytes that are not UTF-8.
            p if p.contains('\u{FFFD}') => return Err(format!("segment {p:?} contains U+FFFD")),
            p => Segment::Literal(p.to_owned()),
        };
        segments.push(segment);
    }
    // `Cow`s, though all borrowed: sorting them reuses the sort that JSON member names get
    // (`json::refuse_duplicates`); a sort of `&str` would be a second copy of kilobytes of wasm.
    let mut names: Vec<Cow<'_, str>> = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Param(n) | Segment::Rest(Some(n)) => Some(Cow::Borrowed(n.as_str())),
            _ => None,
        })
        .collect();
    names.sort_unstable();
    if let Some([name, _]) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("parameter {{{name}}} is bound twice"));
    }
    Ok(segments)
}

fn param_name(name: &str) -> Result<String, String> {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Ok(name.to_owned())
    } else {
        Err(format!("bad parameter name {name:?}"))
    }
}

/// Matches the segments of a routable path ([`request::route_path`]: every segment plain) one
/// by one, without collecting them: routes are matched many times per decision.
fn match_segments(pattern: &[Segment], path: &str) -> Option<Params> {
    let mut params = Vec::new();
    // `rest` is what is left of the path; an empty path has no segments at all.
    let mut rest = (!path.is_empty()).then_some(path);
    for segment in pattern {
        if let Segment::Rest(name) = segment {
            let remainder = rest?;
            if let Some(name) = name {
                params.push((name.clone(), remainder.to_owned()));
            }
            return Some(params);
        }
        let (head, tail) = match rest?.split_once('/') {
            Some((head, tail)) => (head, Some(tail)),
            None => (rest?, None),
        };
        rest = tail;
        match segment {
            Segment::Literal(text) if head == text => {}
            Segment::Param(name) => params.push((name.clone(), head.to_owned())),
            Segment::Any => {}
            _ => return None,
        }
    }
    rest.is_none().then_some(params)
}

/// `GET /pets/7`, or the route key.
impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Key(key) => f.write_str(key),
            Target::Http { method, path } => write!(f, "{method} {path}"),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Key(key) => f.write_str(key),
            Route::Http { method, segments } => {
                f.write_str(method.as_deref().unwrap_or("*"))?;
                f.write_str(" ")?;
                if segments.is_empty() {
                    return f.write_str("/");
                }
                for segment in segments {
                    match segment {
                        Segment::Literal(t) => write!(f, "/{t}")?,
                        Segment::Param(n) => write!(f, "/{{{n}}}")?,
                        Segment::Any => f.write_str("/*")?,
                        Segment::Rest(None) => f.write_str("/**")?,
                        Segment::Rest(Some(n)) => write!(f, "/{{{n}+}}")?,
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http<'a>(method: &'a str, path: &'a str) -> Target<'a> {
        Target::Http { method, path }
    }

    #[test]
    fn binds_and_wildcards() {
        let r = Route::parse("GET /pets/{petId}").unwrap();
        assert_eq!(
            r.matches(http("GET", "/pets/7")),
            Some(vec![("petId".into(), "7".into())])
        );
        assert_eq!(
            r.matches(http("GET", "/pets/7/")),
            Some(vec![("petId".into(), "7".into())])
        );
        assert_eq!(r.matches(http("POST", "/pets/7")), None);
        assert_eq!(r.matches(http("GET", "/pets")), None);
        assert_eq!(r.matches(http("GET", "/pets/7/toys")), None);
        assert_eq!(r.matches(http("GET", "/pets/..")), None);
        let any = Route::parse("* /admin/**").unwrap();
        assert!(any.matches(http("DELETE", "/admin/users/3")).is_some());
        assert!(any.matches(http("GET", "/admin")).is_none());
        assert!(any.matches(http("GET", "/admin/../pets")).is_none());
        let greedy = Route::parse("ANY /files/{key+}").unwrap();
        assert_eq!(
            greedy.matches(http("PUT", "/files/a/b.txt")),
            Some(vec![("key".into(), "a/b.txt".into())])
        );
        assert!(Route::parse("GET /")
            .unwrap()
            .matches(http("GET", "/"))
            .is_some());
    }

    #[test]
    fn route_keys() {
        let connect = Route::parse("$connect").unwrap();
        assert!(connect.matches(Target::Key("$connect")).is_some());
        assert!(connect.matches(Target::Key("$disconnect")).is_none());
        assert!(connect.matches(http("GET", "/")).is_none());
        assert!(Route::parse("$default")
            .unwrap()
            .matches(http("GET", "/x"))
            .is_some());
    }

    #[test]
    fn bad_patterns_say_why() {
        for (text, why) in [
            ("GET pets", "start with '/'"),
            ("FETCH /pets", "unknown method"),
            ("/pets", "METHOD /path"),
            ("GET /a/**/b", "may only end"),
            ("GET /a/{id}/b/{id}", "bound twice"),
            ("GET /a/x{id}", "mixes"),
            ("GET /a//b", "empty path segment"),
            ("$connected", "unknown route key"),
            ("GET /{}", "bad parameter name"),
            ("GET /a?b=1", "contains '?'"),
        ] {
            let err = Route::parse(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn overlaps_and_covers() {
        let r = |t: &str| Route::parse(t).unwrap();
        for (a, b, overlap, covers) in [
            ("GET /pets/{id}", "GET /pets/admin", true, true),
            ("GET /pets/admin", "GET /pets/{id}", true, false),
            ("* /pets/**", "DELETE /pets/{id}/toys", true, true),
            ("* /pets/**", "GET /pets", false, false),
            ("GET /pets/{id}", "POST /pets/{id}", false, false),
            ("GET /a/{x}", "GET /a/{y+}", true, false),
            ("GET /a/{y+}", "GET /a/b/c", true, true),
            ("GET /a/b", "GET /a/c", false, false),
            ("$default", "PUT /x", true, true),
            ("PUT /x", "$default", true, false),
            ("$connect", "$connect", true, true),
            ("$connect", "GET /", false, false),
            ("GET /", "* /", true, false),
        ] {
            assert_eq!(r(a).overlaps(&r(b)), overlap, "{a} overlaps {b}");
            assert_eq!(r(b).overlaps(&r(a)), overlap, "{b} overlaps {a}");
            assert_eq!(r(a).covers(&r(b)), covers, "{a} covers {b}");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "GET /pets/{petId}",
            "* /admin/**",
            "$connect",
            "POST /",
            "ANY /f/{key+}",
        ] {
            let shown = Route::parse(text).unwrap().to_string();
            assert_eq!(Route::parse(&shown).unwrap(), Route::parse(text).unwrap());
        }
    }
}
