//! Request semantics: what a request must be allowed as.
//!
#![doc = include_str!("../docs/request-semantics.md")]

/// The methods API Gateway routes. A route for any method (`*`, `ANY`) stands for these.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The request a route is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// A route key (WebSocket `$connect`, …).
    Key(&'a str),
    /// An HTTP method and path.
    Http {
        /// Upper-case method.
        method: &'a str,
        /// The path, starting with `/`.
        path: &'a str,
    },
}

/// A request as a caller names it (edge middleware, `Policy.decide`): a route key such as
/// `$connect`, kept as given, or an HTTP method, upper-cased, and a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// A route key.
    Key(String),
    /// An HTTP method (upper-case) and path.
    Http {
        /// Upper-case method.
        method: String,
        /// The path as given.
        path: String,
    },
}

impl Named {
    /// Names `method` (or a route key given as the method) on `path`.
    #[must_use]
    pub fn new(method: &str, path: &str) -> Self {
        if method.starts_with('$') {
            Self::Key(method.to_owned())
        } else {
            Self::Http {
                method: method.to_ascii_uppercase(),
                path: path.to_owned(),
            }
        }
    }

    /// The target to match routes against.
    #[must_use]
    pub fn target(&self) -> Target<'_> {
        match self {
            Self::Key(key) => Target::Key(key),
            Self::Http { method, path } => Target::Http { method, path },
        }
    }
}

/// One request as the policy must see it: every reading of it must be allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readings<'a> {
    method: &'a str,
    path: &'a str,
    /// The path with its escapes decoded once but for escaped separators (`%2F`), where that
    /// differs: its segments as received, each decoded.
    segments: Option<String>,
    /// The path with every escape decoded once, where that differs from the above.
    decoded: Option<String>,
}

impl<'a> Readings<'a> {
    /// The readings of `method` (upper-case) and `path` (as received, escapes kept).
    #[must_use]
    pub fn new(method: &'a str, path: &'a str) -> Self {
        let segments = percent_decoded(path, Separators::Kept);
        let decoded = percent_decoded(path, Separators::Decoded)
            .filter(|decoded| Some(decoded) != segments.as_ref());
        Self {
            method,
            path,
            segments,
            decoded,
        }
    }

    /// Every target the request must be allowed as.
    pub fn targets(&self) -> impl Iterator<Item = Target<'_>> {
        let also_get = (self.method == "HEAD").then_some("GET");
        let first = self.segments.as_deref().unwrap_or(self.path);
        let paths = core::iter::once(first).chain(self.decoded.as_deref());
        paths.flat_map(move |path| {
            core::iter::once(self.method)
                .chain(also_get)
                .map(move |method| Target::Http { method, path })
        })
    }
}

/// Whether decoding turns `%2F` into a separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Separators {
    /// `%2F` and `%2f` stay as they are: the segments as received.
    Kept,
    /// `%2F` becomes `/`.
    Decoded,
}

/// A path's segments as routes see them: without the leading `/` and one trailing `/`, so
/// `""` for the root. `None` for a path no route matches: not starting with `/`, or holding
/// an empty, `.` or `..` segment.
#[must_use]
pub fn route_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return Some(rest);
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    rest.split('/').all(is_plain_segment).then_some(rest)
}

/// A segment a wildcard or parameter can match: not empty, `.` or `..`.
#[must_use]
pub fn is_plain_segment(segment: &str) -> bool {
    !matches!(segment, "" | "." | "..")
}

/// The value of a hex digit.
pub(crate) fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// `path` with its `%XX` escapes decoded once (an invalid UTF-8 result lossily, as lenient
/// decoders do; a `%` not followed by two hex digits stays as it is), escaped separators as
/// `separators` says; `None` when that changes nothing.
pub(crate) fn percent_decoded(path: &str, separators: Separators) -> Option<String> {
    if !path.contains('%') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some(hex_value(*bytes.get(i + 1)?)? << 4 | hex_value(*bytes.get(i + 2)?)?))
            .flatten()
            .filter(|byte| *byte != b'/' || separators == Separators::Decoded);
        if let Some(byte) = escaped {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8_lossy(&out);
    (decoded != path).then(|| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(method: &str, path: &str) -> Vec<String> {
        Readings::new(method, path)
            .targets()
            .map(|t| t.to_string())
            .collect()
    }

    /// The table of the module's documentation, row by row.
    #[test]
    fn the_documented_table() {
        assert_eq!(shown("GET", "/pets/7"), ["GET /pets/7"]);
        assert_eq!(shown("HEAD", "/report"), ["HEAD /report", "GET /report"]);
        assert_eq!(shown("GET", "/%61dmin"), ["GET /admin"]);
        assert_eq!(
            shown("HEAD", "/a%2Fb"),
            ["HEAD /a%2Fb", "GET /a%2Fb", "HEAD /a/b", "GET /a/b"]
        );
        assert_eq!(shown("GET", "/%61%2fb"), ["GET /a%2fb", "GET /a/b"]);
        assert_eq!(shown("GET", "/%2561"), ["GET /%61"]);
        assert_eq!(shown("GET", "/100%"), ["GET /100%"]);
        assert_eq!(route_path("/pets/7/"), Some("pets/7"));
        assert_eq!(route_path("/"), Some(""));
        for unroutable in [
            "//", "/a//b", "/a/./b", "/a/..", "/.", "pets", "", "/a//", "/a/../",
        ] {
            assert_eq!(route_path(unroutable), None, "{unroutable}");
        }
        // `%2e` is a dot once decoded: the decoded reading is unroutable.
        let readings = Readings::new("GET", "/a/%2e%2E");
        assert!(readings.targets().any(|t| match t {
            Target::Http { path, .. } => route_path(path).is_none(),
            Target::Key(_) => false,
        }));
    }

    #[test]
    fn separators_kept() {
        assert_eq!(
            percent_decoded("/%61%2F%2f", Separators::Kept).as_deref(),
            Some("/a%2F%2f")
        );
        assert_eq!(percent_decoded("/a%2Fb", Separators::Kept), None);
    }

    #[test]
    fn percent_decoding() {
        for (path, decoded) in [
            ("/plain/path", None),
            ("/%61dmin/%2Fx", Some("/admin//x")),
            ("/%2F", Some("//")),
            ("/caf%C3%A9", Some("/café")),
            ("/%2561", Some("/%61")),
            ("/%zz/%4/%", None),
            ("/100%", None),
            ("/%FF", Some("/\u{FFFD}")),
        ] {
            assert_eq!(
                percent_decoded(path, Separators::Decoded).as_deref(),
                decoded,
                "{path}"
            );
        }
    }
}
