//! Verifier options: the names and meanings of `jose`'s `jwtVerify` options, plus
//! `requireExpiration` and `maxTokenLength`.

use serde_json::Value;

use crate::{
    alg::{is_none_alg, Alg},
    error::{Error, Result},
    json::{self, expected, string},
};

/// Tokens longer than this are refused before any decoding, unless configured otherwise.
pub const DEFAULT_MAX_TOKEN_LENGTH: usize = 16 * 1024;

/// Options of a [`Verifier`](crate::Verifier), as `jose` names them.
///
/// ```
/// let options = jwtgate::VerifyOptions::from_json(r#"{
///   "issuer": "https://issuer.example", "audience": ["api", "admin"],
///   "algorithms": ["RS256"], "clockTolerance": "30s"
/// }"#)?;
/// assert_eq!(options.clock_tolerance, Some(30.0));
/// # Ok::<_, jwtgate::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Accepted `iss` values.
    pub issuer: Option<Vec<String>>,
    /// Accepted `aud` values; the token must name at least one.
    pub audience: Option<Vec<String>>,
    /// Allowed `alg` values; all supported ones when absent.
    pub algorithms: Option<Vec<String>>,
    /// Leeway for `exp`, `nbf` and `iat`, in seconds (a number or `"30s"`, `"2 minutes"`, …).
    pub clock_tolerance: Option<f64>,
    /// The largest accepted age of the token (from `iat`), in seconds or as a duration string.
    pub max_token_age: Option<f64>,
    /// The required `sub`.
    pub subject: Option<String>,
    /// Accepted app client ids (**jwtgate only**, as in `aws-jwt-verify`): the token's
    /// `client_id` (Cognito access tokens) or `aud` (ID tokens) must name one.
    pub client_id: Option<Vec<String>>,
    /// The required `token_use` (**jwtgate only**): `"access"` or `"id"` for Cognito.
    pub token_use: Option<String>,
    /// The required `typ` header (`"JWT"` also matches `"application/jwt"`).
    pub typ: Option<String>,
    /// Claims that must be present.
    pub required_claims: Vec<String>,
    /// Whether `exp` must be present (default `true`: an authorizer must not accept eternal
    /// tokens). `jose` does not require it.
    pub require_expiration: Option<bool>,
    /// The longest accepted token, in bytes (default 16 KiB).
    pub max_token_length: Option<usize>,
}

impl VerifyOptions {
    /// Parses options from JSON, naming the offending field on error.
    ///
    /// # Errors
    /// `ERR_JWTGATE_INVALID_OPTIONS` with the field's name.
    pub fn from_json(text: &str) -> Result<Self> {
        let value = json::parse_document(text).map_err(|m| Error::option("options", m))?;
        let Value::Object(map) = value else {
            return Err(Error::option("options", "must be an object"));
        };
        let mut options = Self::default();
        for (name, value) in map {
            // JavaScript's `undefined` and `null` both mean "not set".
            if !value.is_null() {
                options
                    .set(&name, value)
                    .map_err(|message| Error::option(&name, message))?;
            }
        }
        Ok(options)
    }

    /// Sets one option from its JSON value, by its entry in [`OPTIONS`].
    fn set(&mut self, name: &str, value: Value) -> core::result::Result<(), String> {
        let (_, set) = OPTIONS
            .iter()
            .find(|(known, _)| *known == name)
            .ok_or("unknown option")?;
        set(self, value)
    }

    /// Every option's name, as JavaScript spells it.
    pub fn names() -> impl Iterator<Item = &'static str> {
        OPTIONS.iter().map(|(name, _)| *name)
    }

    /// The allowed algorithms, checked: names must be supported and `none` is refused.
    pub(crate) fn allowed_algorithms(&self) -> Result<Option<Vec<Alg>>> {
        let Some(names) = &self.algorithms else {
            return Ok(None);
        };
        if names.is_empty() {
            return Err(Error::option(
                "algorithms",
                "must name at least one algorithm",
            ));
        }
        names
            .iter()
            .map(|name| {
                if is_none_alg(name) {
                    Err(Error::option(
                        "algorithms",
                        "\"none\" is never accepted (RFC 8725 §3.1)",
                    ))
                } else {
                    Alg::from_name(name).ok_or_else(|| {
                        Error::option("algorithms", format!("unsupported algorithm {name:?}"))
                    })
                }
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

/// Sets one option from its JSON value.
type Setter = fn(&mut VerifyOptions, Value) -> core::result::Result<(), String>;

/// Each option: its name and how its value is read. The one list of them: parsing goes through
/// it and JavaScript learns the names from it. By hand, not derived: a derived deserializer, and
/// the retry field by field that found which option an error was about, cost kilobytes of wasm.
const OPTIONS: [(&str, Setter); 12] = [
    ("issuer", |o, v| {
        o.issuer = Some(one_or_many(v)?);
        Ok(())
    }),
    ("audience", |o, v| {
        o.audience = Some(one_or_many(v)?);
        Ok(())
    }),
    ("clientId", |o, v| {
        o.client_id = Some(one_or_many(v)?);
        Ok(())
    }),
    ("algorithms", |o, v| {
        o.algorithms = Some(strings(v)?);
        Ok(())
    }),
    ("requiredClaims", |o, v| {
        o.required_claims = strings(v)?;
        Ok(())
    }),
    ("clockTolerance", |o, v| {
        o.clock_tolerance = Some(seconds(&v)?);
        Ok(())
    }),
    ("maxTokenAge", |o, v| {
        o.max_token_age = Some(seconds(&v)?);
        Ok(())
    }),
    ("subject", |o, v| {
        o.subject = Some(string(v)?);
        Ok(())
    }),
    ("tokenUse", |o, v| {
        o.token_use = Some(string(v)?);
        Ok(())
    }),
    ("typ", |o, v| {
        o.typ = Some(string(v)?);
        Ok(())
    }),
    ("requireExpiration", |o, v| match v {
        Value::Bool(required) => {
            o.require_expiration = Some(required);
            Ok(())
        }
        other => Err(expected(&other, "a boolean")),
    }),
    ("maxTokenLength", |o, v| {
        let length = v.as_u64().and_then(|n| usize::try_from(n).ok());
        o.max_token_length = Some(length.ok_or_else(|| expected(&v, "a non-negative integer"))?);
        Ok(())
    }),
];

fn strings(value: Value) -> core::result::Result<Vec<String>, String> {
    json::items(value)?.into_iter().map(string).collect()
}

fn one_or_many(value: Value) -> core::result::Result<Vec<String>, String> {
    match value {
        Value::String(text) => Ok(vec![text]),
        Value::Array(_) => strings(value),
        other => Err(expected(&other, "a string or an array of strings")),
    }
}

/// Seconds as a number or a duration string.
fn seconds(value: &Value) -> core::result::Result<f64, String> {
    let seconds = match value {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(text) => parse_duration(text)
            .ok_or_else(|| format!("{text:?} is not a duration such as \"30s\" or \"2h\""))?,
        other => return Err(expected(other, "a number of seconds or a duration")),
    };
    if seconds.is_finite() && seconds >= 0.0 {
        Ok(seconds)
    } else {
        Err("must be a non-negative number of seconds".into())
    }
}

/// Parses `jose`'s duration strings: a number and a unit (`"30s"`, `"5 minutes"`, `"1.5h"`).
fn parse_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value = decimal(number)?;
    let scale = match unit.trim_start().to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "week" | "weeks" => 604_800.0,
        "y" | "yr" | "yrs" | "year" | "years" => 31_557_600.0,
        _ => return None,
    };
    Some((value * scale).round())
}

/// Digits with an optional decimal point, as `str::parse::<f64>` reads them. By hand: core's
/// float parser would bring kilobytes of tables into the wasm for this one use.
fn decimal(text: &str) -> Option<f64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut value = 0.0;
    let mut scale = 1.0;
    for (digits, is_fraction) in [(whole, false), (fraction, true)] {
        for digit in digits.bytes() {
            if !digit.is_ascii_digit() {
                return None;
            }
            value = value * 10.0 + f64::from(digit - b'0');
            if is_fraction {
                scale *= 10.0;
            }
        }
    }
    // One correctly rounded division: exact for the short decimals durations are written with.
    Some(value / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_jose() {
        assert_eq!(parse_duration("30s"), Some(30.0));
        assert_eq!(parse_duration("2 minutes"), Some(120.0));
        assert_eq!(parse_duration("1.5h"), Some(5400.0));
        assert_eq!(parse_duration("1y"), Some(31_557_600.0));
        assert_eq!(parse_duration("2.5s"), Some(3.0));
        assert_eq!(parse_duration(".5m"), Some(30.0));
        assert_eq!(parse_duration("1.5.1s"), None);
        assert_eq!(parse_duration(".s"), None);
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5 parsecs"), None);
    }

    #[test]
    fn errors_name_the_field() {
        let err =
            VerifyOptions::from_json(r#"{"issuer":"a","clockTolerance":"later"}"#).unwrap_err();
        assert_eq!(err.field(), Some("clockTolerance"));
        let err = VerifyOptions::from_json(r#"{"audiance":"x"}"#).unwrap_err();
        assert_eq!(err.field(), Some("audiance"));
        let err = VerifyOptions::from_json(r#"{"audience":5}"#).unwrap_err();
        assert_eq!(err.field(), Some("audience"));
        let err = VerifyOptions::from_json(r#"{"clockTolerance":-1}"#).unwrap_err();
        assert_eq!(err.field(), Some("clockTolerance"));
        let err = VerifyOptions::from_json(r#"{"maxTokenLength":-1}"#).unwrap_err();
        assert_eq!(err.field(), Some("maxTokenLength"));
        let err = VerifyOptions::from_json(r#"{"requireExpiration":"no"}"#).unwrap_err();
        assert_eq!(err.field(), Some("requireExpiration"));
        let err = VerifyOptions::from_json(r#"{"audience":["x",5]}"#).unwrap_err();
        assert_eq!(err.field(), Some("audience"));
        assert!(err
            .to_string()
            .ends_with("invalid type: integer `5`, expected a string"));
        let options = VerifyOptions::from_json(
            r#"{"issuer":"a","audience":["b","c"],"maxTokenLength":100,"typ":null}"#,
        )
        .unwrap();
        assert_eq!(options.issuer, Some(vec!["a".into()]));
        assert_eq!(options.audience, Some(vec!["b".into(), "c".into()]));
        assert_eq!(options.max_token_length, Some(100));
        assert_eq!(options.typ, None);
    }

    #[test]
    fn none_is_refused_in_algorithms() {
        let options = VerifyOptions::from_json(r#"{"algorithms":["RS256","NONE"]}"#).unwrap();
        assert_eq!(
            options.allowed_algorithms().unwrap_err().field(),
            Some("algorithms")
        );
    }
}
