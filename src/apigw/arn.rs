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
}

impl MethodArn {
    pub(crate) fn parse(arn: &str) -> Result<Self, Error> {
        let bad = || {
            Error::EventInvalid(format!(
                "malformed execute-api ARN {:?}",
                arn.chars().take(200).collect::<String>()
            ))
        };
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [arn_lit, partition, "execute-api", region, account, resource] = parts[..] else {
            return Err(bad());
        };
        if arn_lit != "arn" || partition.is_empty() || region.is_empty() || account.is_empty() {
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
        let path = match pieces.next() {
            Some(rest) => format!("/{rest}"),
            None if method.starts_with('$') => String::new(),
            None => "/".into(),
        };
        Ok(Self {
            prefix: format!("{arn_lit}:{partition}:execute-api:{region}:{account}:{api}/{stage}"),
            method: method.to_owned(),
            path,
        })
    }

    /// The ARN of a method and path pattern (`*` wildcards) under the same API and stage.
    pub(crate) fn resource(&self, method: &str, path: &str) -> String {
        resource(&self.prefix, method, path)
    }
}

/// The `execute-api` resource of a method and path (pattern) under `prefix` (API and stage).
pub(crate) fn resource(prefix: &str, method: &str, path: &str) -> String {
    format!("{prefix}/{method}{path}")
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
        assert_eq!(
            ws.resource("GET", "/pets/*"),
            "arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/pets/*"
        );
        for bad in [
            "",
            "arn:aws:s3:::bucket",
            "arn:aws:execute-api:r:a:api",
            "arn:aws:execute-api:r:a:api/stage",
        ] {
            assert!(MethodArn::parse(bad).is_err(), "{bad}");
        }
    }
}
