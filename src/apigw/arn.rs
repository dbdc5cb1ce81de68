//! `execute-api` ARNs: `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}`
//! (or `…/{stage}/$connect` for WebSocket routes).

use crate::error::Error;

/// A parsed `methodArn` or `routeArn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MethodArn {
    /// `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}`: every resource we grant
    /// starts with it.
    pub prefix: String,
    /// The HTTP method, or a route key such as `$connect`.
    pub method: String,
    /// The path, starting with `/` (empty for route keys).
    pub path: String,
    /// The ARN after the prefix, exactly as written (`/GET/pets`; `/GET` for an ARN that
    /// names no path, which `path` reads as `/`).
    suffix: String,
}

impl MethodArn {
    pub(crate) fn parse(arn: &str) -> Result<Self, Error> {
        let bad = || {
            Error::EventInvalid(format!(
                "malformed execute-api ARN {:?}",
                arn.chars().take(200).collect::<String>()
            ))
        };
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("execute-api"), Some(region), Some(account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        let resource = parts.next().ok_or_else(bad)?;
        if partition.is_empty() || region.is_empty() || account.is_empty() {
            return Err(bad());
        }
        let mut pieces = resource.splitn(4, '/');
        let (Some(api), Some(stage), Some(method)) = (pieces.next(), pieces.next(), pieces.next())
        else {
            return Err(bad());
        };
        if api.is_empty() || stage.is_empty() || method.is_empty() {
            return Err(bad());
        }
        // The prefix and the path are slices of the ARN itself: up to the stage, and from the
        // slash after the method.
        let prefix_len = arn.len() - resource.len() + api.len() + 1 + stage.len();
        let path = match pieces.next() {
            Some(_) => &arn[prefix_len + 1 + method.len()..],
            None if method.starts_with('$') => "",
            None => "/",
        };
        Ok(Self {
            prefix: arn[..prefix_len].to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            suffix: arn[prefix_len..].to_owned(),
        })
    }

    /// The current request's resource, after the prefix, as the ARN writes it: what API
    /// Gateway matches the answer against.
    pub(crate) fn resource(&self) -> String {
        self.suffix.clone()
    }
}

/// The part of an `execute-api` resource after the API and stage (`/GET/pets/*`) for a method
/// and path (pattern): the ARN up to the stage is the same for every resource of an answer, so
/// resources are built, matched and cached without it, and it is written once per answer.
pub(crate) fn resource(method: &str, path: &str) -> String {
    let mut resource = String::with_capacity(1 + method.len() + path.len());
    for piece in ["/", method, path] {
        resource.push_str(piece);
    }
    resource
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rest_http_and_websocket_arns() {
        let a = MethodArn::parse(
            "arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/POST/lambda-request",
        )
        .unwrap();
        assert_eq!(
            a.prefix,
            "arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod"
        );
        assert_eq!(
            (a.method.as_str(), a.path.as_str()),
            ("POST", "/lambda-request")
        );
        let root = MethodArn::parse("arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/")
            .unwrap();
        assert_eq!(root.path, "/");
        let ws = MethodArn::parse("arn:aws:execute-api:us-east-1:123456789012:abc/dev/$connect")
            .unwrap();
        assert_eq!((ws.method.as_str(), ws.path.as_str()), ("$connect", ""));
        let deep =
            MethodArn::parse("arn:aws-cn:execute-api:cn-north-1:1:api/v1/GET/a/b:c/d").unwrap();
        assert_eq!(deep.prefix, "arn:aws-cn:execute-api:cn-north-1:1:api/v1");
        assert_eq!(
            (deep.method.as_str(), deep.path.as_str()),
            ("GET", "/a/b:c/d")
        );
        assert_eq!(ws.resource(), "/$connect");
        let bare = MethodArn::parse("arn:aws:execute-api:r:1:api/prod/GET").unwrap();
        assert_eq!(
            (bare.path.as_str(), bare.resource().as_str()),
            ("/", "/GET")
        );
        assert_eq!(a.resource(), "/POST/lambda-request");
        assert_eq!(resource("GET", "/pets/*"), "/GET/pets/*");
        for bad in [
            "",
            "arn:aws:s3:::bucket",
            "arn:aws:execute-api:r:a:api",
            "arn:aws:execute-api:r:a:api/stage",
            "arn:aws:execute-api:r:a:api//GET/x",
            "arn:aws:execute-api::a:api/stage/GET/x",
            "arn:aws:execute-api:r:a",
            "aws:execute-api:r:a:api/stage/GET/x",
        ] {
            assert!(MethodArn::parse(bad).is_err(), "{bad}");
        }
    }
}
