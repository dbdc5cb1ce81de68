//! The `htu` comparison of DPoP (RFC 9449 §4.3): both URIs without query and fragment, after
//! the syntax- and scheme-based normalization of RFC 3986 §6.2.2 and §6.2.3.

use core::fmt::Write as _;

/// `uri` normalized for comparison: scheme and host in lower case, the scheme's default port
/// dropped, percent-encodings in upper case and unreserved characters decoded, dot segments
/// removed, an empty path as `/`; query and fragment cut off. Characters a URI cannot hold
/// (spaces, non-ASCII: a path as some events give it) are percent-encoded, so that a decoded
/// path and its encoded form compare equal. Only `http` and `https` URIs are accepted.
pub(crate) fn normalize(uri: &str) -> Result<String, String> {
    let end = uri.find(['?', '#']).unwrap_or(uri.len());
    let (scheme, rest) = uri[..end]
        .split_once("://")
        .ok_or("not an absolute http(s) URI")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(format!("the scheme {scheme:?} is not http or https")),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') {
        return Err("a URI with user information".into());
    }
    let (host, port) = host_and_port(authority)?;
    let host = percent_normalized(host)?.to_ascii_lowercase();
    if host.is_empty() {
        return Err("a URI without a host".into());
    }
    let port = match port {
        Some(port) if port != default_port => format!(":{port}"),
        _ => String::new(),
    };
    let path = without_dot_segments(&percent_normalized(path)?);
    Ok(format!("{scheme}://{host}{port}{path}"))
}

/// The host (an IPv6 literal with its brackets) and the port, if one is given.
fn host_and_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let colon = if authority.starts_with('[') {
        let close = authority.find(']').ok_or("an unclosed IPv6 literal")?;
        authority[close..].find(':').map(|i| close + i)
    } else {
        authority.rfind(':')
    };
    let Some(colon) = colon else {
        return Ok((authority, None));
    };
    let digits = &authority[colon + 1..];
    if digits.is_empty() {
        return Ok((&authority[..colon], None));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the port is not a number".into());
    }
    let port = digits.parse().map_err(|_| "the port is out of range")?;
    Ok((&authority[..colon], Some(port)))
}

/// Percent-encodings in upper case, those of unreserved characters decoded (§6.2.2.1,
/// §6.2.2.2), and bytes no URI may hold encoded.
fn percent_normalized(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| core::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a `%` not followed by two hex digits")?;
            push_octet(&mut out, hex, unreserved(hex));
            i += 3;
        } else {
            push_octet(&mut out, byte, unreserved(byte) || allowed(byte));
            i += 1;
        }
    }
    Ok(out)
}

fn push_octet(out: &mut String, byte: u8, literal: bool) {
    if literal {
        out.push(char::from(byte));
    } else {
        let _ = write!(out, "%{byte:02X}");
    }
}

fn unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// The other characters a path or host may hold as they are: sub-delims, `:`, `@`, `/`, and
/// the brackets of an IPv6 literal.
fn allowed(byte: u8) -> bool {
    matches!(
        byte,
        b'!' | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@'
            | b'/'
            | b'['
            | b']'
    )
}

/// RFC 3986 §5.2.4 on an absolute path (or none: `/`).
fn without_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {}
            ".." => {
                out.pop();
            }
            other => {
                out.push(other);
                continue;
            }
        }
        if last {
            out.push("");
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn equivalent_uris_compare_equal() {
        let same = [
            (
                "https://server.example.com/token",
                "https://server.example.com/token",
            ),
            (
                "HTTPS://Server.Example.COM:443/token?x=1#f",
                "https://server.example.com/token",
            ),
            ("https://server.example.com", "https://server.example.com/"),
            (
                "https://server.example.com:/a",
                "https://server.example.com/a",
            ),
            ("http://h:80/a/./b/../c", "http://h/a/c"),
            ("https://h/%7euser/%2e%2E/x", "https://h/x"),
            ("https://h/a%2fb", "https://h/a%2Fb"),
            ("https://h/a b/é", "https://h/a%20b/%C3%A9"),
            ("https://h/a/..", "https://h/"),
            ("https://h/a/b/.", "https://h/a/b/"),
            ("https://[::1]:8443/x", "https://[::1]:8443/x"),
            ("https://h:08443/x", "https://h:8443/x"),
        ];
        for (uri, expected) in same {
            assert_eq!(normalize(uri).unwrap(), expected, "{uri}");
        }
        assert_ne!(
            normalize("https://h/a").unwrap(),
            normalize("https://h/A").unwrap()
        );
        assert_ne!(
            normalize("https://h:8443/").unwrap(),
            normalize("https://h/").unwrap()
        );
        assert_ne!(
            normalize("http://h/").unwrap(),
            normalize("https://h/").unwrap()
        );
    }

    #[test]
    fn other_uris_are_refused() {
        for uri in [
            "/token",
            "ftp://h/x",
            "https://user@h/x",
            "https:///x",
            "https://h:port/x",
            "https://h:99999/x",
            "https://h/%zz",
            "https://h/%4",
            "https://[::1/x",
        ] {
            assert!(normalize(uri).is_err(), "{uri}");
        }
    }
}
