//! Claim validation, in the order and with the codes of `jose`'s `validateClaimsSet`, so the
//! first failure reported for a token is the one `jose` would report.

use core::fmt;
use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::{
    error::{ClaimReason, Error, Result},
    json::{self, Checked, Text},
    options::VerifyOptions,
};

/// The claims set as verification sees it: the claims it checks, borrowed from the JSON text,
/// and every member's name (for `requiredClaims`). Parsing it checks the whole text as strictly
/// as [`json::parse`] would, without building the values nobody reads here.
#[derive(Debug, Default)]
pub(crate) struct ClaimsView<'a> {
    /// Every member's name, in no particular order.
    names: Vec<Cow<'a, str>>,
    iss: Option<Claim<'a>>,
    sub: Option<Claim<'a>>,
    aud: Option<Claim<'a>>,
    client_id: Option<Claim<'a>>,
    token_use: Option<Claim<'a>>,
    exp: Option<Claim<'a>>,
    nbf: Option<Claim<'a>>,
    iat: Option<Claim<'a>>,
    /// The claims the caller asked to keep, as values.
    pub(crate) kept: Map<String, Value>,
}

/// One checked claim's value, as far as the checks care.
#[derive(Debug)]
enum Claim<'a> {
    Text(Cow<'a, str>),
    Number(f64),
    /// An array: its string elements (the others only matter for strictness).
    Texts(Vec<Cow<'a, str>>),
    Other,
}

impl<'a> ClaimsView<'a> {
    /// Parses a claims set (JSON text that must hold an object), building the values of the
    /// claims named in `keep` (sorted) as well: in the same pass, for callers that read a few
    /// claims besides the checked ones.
    pub(crate) fn parse(text: &'a str, keep: &[String]) -> core::result::Result<Self, String> {
        if !text.trim_start().starts_with('{') {
            return Err("not a JSON object".into());
        }
        let invalid = |err: serde_json::Error| format!("invalid JSON: {err}");
        let mut parser = serde_json::Deserializer::from_str(text);
        let view = parser
            .deserialize_map(ViewVisitor { keep })
            .map_err(invalid)?;
        parser.end().map_err(invalid)?;
        Ok(view)
    }

    fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// A claim's value when it is a string.
    fn text<'v>(claim: Option<&'v Claim<'_>>) -> Option<&'v str> {
        match claim {
            Some(Claim::Text(text)) => Some(text),
            _ => None,
        }
    }
}

struct ViewVisitor<'k> {
    keep: &'k [String],
}

impl<'de> Visitor<'de> for ViewVisitor<'_> {
    type Value = ClaimsView<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> core::result::Result<Self::Value, A::Error> {
        // Room for a typical claims set's names: growing from empty took four allocations.
        let mut view = ClaimsView {
            names: Vec::with_capacity(16),
            ..ClaimsView::default()
        };
        while let Some(Text(name)) = map.next_key()? {
            let slot = match &*name {
                "iss" => Some(&mut view.iss),
                "sub" => Some(&mut view.sub),
                "aud" => Some(&mut view.aud),
                "client_id" => Some(&mut view.client_id),
                "token_use" => Some(&mut view.token_use),
                "exp" => Some(&mut view.exp),
                "nbf" => Some(&mut view.nbf),
                "iat" => Some(&mut view.iat),
                _ => None,
            };
            if self
                .keep
                .binary_search_by(|k| k.as_str().cmp(&name))
                .is_ok()
            {
                let json::Strict(value) = map.next_value()?;
                if let Some(slot) = slot {
                    *slot = Some(Claim::of(&value));
                }
                view.kept.insert(name.clone().into_owned(), value);
            } else if let Some(slot) = slot {
                *slot = Some(map.next_value()?);
            } else {
                map.next_value::<Checked>()?;
            }
            view.names.push(name);
        }
        json::refuse_duplicates(&mut view.names)?;
        Ok(view)
    }
}

impl Claim<'_> {
    /// A claim kept as a value, as the checks see it (read as from the text).
    fn of(value: &Value) -> Self {
        Claim::deserialize(value.clone()).unwrap_or(Claim::Other)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Claim<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        struct ClaimVisitor;
        impl<'de> Visitor<'de> for ClaimVisitor {
            type Value = Claim<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> core::result::Result<Claim<'de>, E> {
                Ok(Claim::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> core::result::Result<Claim<'de>, E> {
                Ok(Claim::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> core::result::Result<Claim<'de>, E> {
                Ok(Claim::Text(Cow::Owned(v)))
            }
            #[allow(clippy::cast_precision_loss)] // as `serde_json::Number::as_f64` does
            fn visit_i64<E>(self, v: i64) -> core::result::Result<Claim<'de>, E> {
                Ok(Claim::Number(v as f64))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_u64<E>(self, v: u64) -> core::result::Result<Claim<'de>, E> {
                Ok(Claim::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> core::result::Result<Claim<'de>, E> {
                Ok(Claim::Number(v))
            }
            fn visit_bool<E>(self, _: bool) -> core::result::Result<Claim<'de>, E> {
                Ok(Claim::Other)
            }
            fn visit_unit<E>(self) -> core::result::Result<Claim<'de>, E> {
                Ok(Claim::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> core::result::Result<Claim<'de>, A::Error> {
                let mut texts = Vec::new();
                while let Some(element) = seq.next_element::<Claim<'de>>()? {
                    if let Claim::Text(text) = element {
                        texts.push(text);
                    }
                }
                Ok(Claim::Texts(texts))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> core::result::Result<Claim<'de>, A::Error> {
                json::check_map(map).map(|()| Claim::Other)
            }
        }
        deserializer.deserialize_any(ClaimVisitor)
    }
}

/// The claim checks of one verifier, with `now` supplied per call.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClaimRules {
    pub issuer: Option<Vec<String>>,
    pub audience: Option<Vec<String>>,
    pub subject: Option<String>,
    pub client_id: Option<Vec<String>>,
    pub token_use: Option<String>,
    pub typ: Option<String>,
    /// In `jose`'s presence-check order (see [`ClaimRules::presence_order`]).
    pub required: Vec<String>,
    pub max_token_age: Option<f64>,
    pub tolerance: f64,
}

impl ClaimRules {
    /// `jose` checks presence in the reverse of `[...requiredClaims, iat, aud, sub, iss]`.
    /// `requireExpiration` counts as one more entry of `requiredClaims`.
    pub(crate) fn presence_order(options: &VerifyOptions) -> Vec<String> {
        let mut order: Vec<String> = options.required_claims.clone();
        for (wanted, claim) in [
            (options.require_expiration.unwrap_or(true), "exp"),
            (options.max_token_age.is_some(), "iat"),
            (options.audience.is_some(), "aud"),
            (options.subject.is_some(), "sub"),
            (options.issuer.is_some(), "iss"),
        ] {
            if wanted {
                order.push(claim.to_owned());
            }
        }
        order.reverse();
        let mut seen = std::collections::BTreeSet::new();
        order.retain(|claim| seen.insert(claim.clone()));
        order
    }

    /// Checks every claim at `now`; on success, the window of whole seconds in which the
    /// time checks keep passing (the rest do not depend on the time).
    pub(crate) fn check(
        &self,
        header: &Map<String, Value>,
        payload: &ClaimsView<'_>,
        now: i64,
    ) -> Result<Option<Window>> {
        self.check_typ(header)?;
        if let Some(missing) = self.required.iter().find(|c| !payload.has(c)) {
            return Err(Error::claim_failed(
                missing,
                ClaimReason::Missing,
                format!("missing required \"{missing}\" claim"),
            ));
        }
        self.check_values(payload)?;
        // Seconds since the epoch are far below 2^52: the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        let seconds = now as f64;
        self.check_times(payload, seconds)?;
        Ok(self.window(payload, now))
    }

    /// The whole seconds around `now` (at which the times held) at which [`Self::check_times`]
    /// holds too; `None` without `exp` (an eternal token is never remembered). Each bound is
    /// solved for the time, then confirmed by the check itself at that second: the conditions
    /// are monotone in the time, so both ends holding means every second between them does,
    /// and float rounding can only make the window narrower, never wider.
    fn window(&self, payload: &ClaimsView<'_>, now: i64) -> Option<Window> {
        let exp = numeric_date(payload.exp.as_ref(), "exp", false).ok()??;
        let nbf = numeric_date(payload.nbf.as_ref(), "nbf", false).ok()?;
        let iat = numeric_date(payload.iat.as_ref(), "iat", false).ok()?;
        let tolerance = self.tolerance;
        let mut from = nbf.map_or(f64::NEG_INFINITY, |nbf| nbf - tolerance);
        // `exp <= t - tolerance` fails: the last second strictly before `exp + tolerance`.
        let mut until = (exp + tolerance).ceil() - 1.0;
        if let (Some(max), Some(iat)) = (self.max_token_age, iat) {
            from = from.max(iat - tolerance);
            until = until.min(iat + tolerance + max);
        }
        let holds = |t: i64| {
            #[allow(clippy::cast_precision_loss)] // seconds since the epoch: exact
            self.check_times(payload, t as f64).is_ok()
        };
        let from = second_at_or_after(from, now).filter(|&t| holds(t))?;
        let until = second_at_or_before(until, now).filter(|&t| holds(t))?;
        Some(Window { from, until })
    }

    fn check_typ(&self, header: &Map<String, Value>) -> Result<()> {
        let Some(expected) = &self.typ else {
            return Ok(());
        };
        match header.get("typ") {
            Some(Value::String(typ)) if normalize_typ(typ) == normalize_typ(expected) => Ok(()),
            _ => Err(Error::claim_failed(
                "typ",
                ClaimReason::CheckFailed,
                "unexpected \"typ\" JWT header value".into(),
            )),
        }
    }

    fn check_values(&self, payload: &ClaimsView<'_>) -> Result<()> {
        if let Some(issuers) = &self.issuer {
            if !ClaimsView::text(payload.iss.as_ref())
                .is_some_and(|iss| issuers.iter().any(|i| i == iss))
            {
                return Err(unexpected("iss"));
            }
        }
        if let Some(subject) = &self.subject {
            if ClaimsView::text(payload.sub.as_ref()) != Some(subject.as_str()) {
                return Err(unexpected("sub"));
            }
        }
        if let Some(audiences) = &self.audience {
            if !aud_names_one_of(payload, audiences) {
                return Err(unexpected("aud"));
            }
        }
        // After jose's checks, so the first failure reported is still jose's.
        if let Some(ids) = &self.client_id {
            let ok = ClaimsView::text(payload.client_id.as_ref())
                .is_some_and(|id| ids.iter().any(|i| i == id))
                || aud_names_one_of(payload, ids);
            if !ok {
                return Err(Error::claim_failed(
                    "client_id",
                    ClaimReason::CheckFailed,
                    "unexpected \"client_id\" claim value (nor an \"aud\" naming the client)"
                        .into(),
                ));
            }
        }
        if let Some(token_use) = &self.token_use {
            if ClaimsView::text(payload.token_use.as_ref()) != Some(token_use.as_str()) {
                return Err(unexpected("token_use"));
            }
        }
        Ok(())
    }

    fn check_times(&self, payload: &ClaimsView<'_>, now: f64) -> Result<()> {
        let tolerance = self.tolerance;
        let iat = numeric_date(payload.iat.as_ref(), "iat", self.max_token_age.is_some())?;
        if let Some(nbf) = numeric_date(payload.nbf.as_ref(), "nbf", false)? {
            if nbf > now + tolerance {
                return Err(Error::claim_failed(
                    "nbf",
                    ClaimReason::CheckFailed,
                    format!(
                        "\"nbf\" claim timestamp check failed (valid in {} s)",
                        secs(nbf - now)
                    ),
                ));
            }
        }
        if let Some(exp) = numeric_date(payload.exp.as_ref(), "exp", false)? {
            if exp <= now - tolerance {
                return Err(Error::Expired {
                    claim: "exp",
                    message: format!(
                        "\"exp\" claim timestamp check failed (expired {} s ago)",
                        secs(now - exp)
                    ),
                });
            }
        }
        if let (Some(max), Some(iat)) = (self.max_token_age, iat) {
            let age = now - iat;
            if age - tolerance > max {
                return Err(Error::Expired {
                    claim: "iat",
                    message: "\"iat\" claim timestamp check failed (too far in the past)".into(),
                });
            }
            if age < -tolerance {
                return Err(Error::claim_failed(
                    "iat",
                    ClaimReason::CheckFailed,
                    "\"iat\" claim timestamp check failed (it should be in the past)".into(),
                ));
            }
        }
        Ok(())
    }
}

/// The whole seconds `from..=until` in which a verified token's time checks pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Window {
    /// The first such second.
    pub from: i64,
    /// The last such second.
    pub until: i64,
}

/// The first whole second at or after `bound`, no later than `now` (which is known to pass).
#[allow(clippy::cast_possible_truncation)] // clamped to `now` first
fn second_at_or_after(bound: f64, now: i64) -> Option<i64> {
    #[allow(clippy::cast_precision_loss)]
    let clamped = bound.ceil().min(now as f64);
    // `as` saturates: an infinite bound is the first or last second there is.
    (!clamped.is_nan()).then_some(clamped as i64)
}

/// The last whole second at or before `bound`, no earlier than `now`.
#[allow(clippy::cast_possible_truncation)]
fn second_at_or_before(bound: f64, now: i64) -> Option<i64> {
    #[allow(clippy::cast_precision_loss)]
    let clamped = bound.floor().max(now as f64);
    // `as` saturates: an infinite bound is the first or last second there is.
    (!clamped.is_nan()).then_some(clamped as i64)
}

/// A `NumericDate` claim: absent, or a JSON number (else `invalid`, as in `jose`).
fn numeric_date(value: Option<&Claim<'_>>, claim: &str, required: bool) -> Result<Option<f64>> {
    match value {
        None if !required => Ok(None),
        Some(Claim::Number(n)) => Ok(Some(*n)),
        _ => Err(Error::claim_failed(
            claim,
            ClaimReason::Invalid,
            format!("\"{claim}\" claim must be a number"),
        )),
    }
}

/// Whether `aud` (a string, or an array of them) names one of `accepted`.
fn aud_names_one_of(payload: &ClaimsView<'_>, accepted: &[String]) -> bool {
    let named = |aud: &str| accepted.iter().any(|a| a == aud);
    match &payload.aud {
        Some(Claim::Text(aud)) => named(aud),
        Some(Claim::Texts(auds)) => auds.iter().any(|aud| named(aud)),
        _ => false,
    }
}

fn unexpected(claim: &str) -> Error {
    Error::claim_failed(
        claim,
        ClaimReason::CheckFailed,
        format!("unexpected \"{claim}\" claim value"),
    )
}

/// `JWT` and `application/jwt` name the same media type (RFC 7515 §4.1.9).
fn normalize_typ(typ: &str) -> String {
    let lower = typ.to_ascii_lowercase();
    if lower.contains('/') {
        lower
    } else {
        format!("application/{lower}")
    }
}

#[allow(clippy::cast_possible_truncation)]
fn secs(value: f64) -> i64 {
    value.round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window is exactly the seconds at which the time checks pass: its ends pass, the
    /// seconds beyond them fail, on fractional claims and options around the bounds.
    #[test]
    fn the_window_is_where_the_time_checks_pass() {
        let mut seed = 5_u32;
        let mut quarter = |from: f64, span: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            from + f64::from((seed >> 16) % (span * 4)) / 4.0
        };
        let now = 1_000_i64;
        let mut windows = 0;
        for _ in 0..2_000 {
            let json = format!(
                r#"{{"exp":{},"nbf":{},"iat":{}}}"#,
                quarter(996.0, 10),
                quarter(996.0, 8),
                quarter(994.0, 8)
            );
            let view = ClaimsView::parse(&json, &[]).unwrap();
            let rules = ClaimRules {
                tolerance: quarter(0.0, 3),
                max_token_age: (quarter(0.0, 2) > 0.5).then(|| quarter(0.0, 6)),
                ..ClaimRules::default()
            };
            #[allow(clippy::cast_precision_loss)] // small seconds
            let holds = |t: i64| rules.check_times(&view, t as f64).is_ok();
            match rules.window(&view, now) {
                Some(Window { from, until }) if holds(now) => {
                    windows += 1;
                    assert!(
                        holds(from) && holds(until) && from <= now && now <= until,
                        "{json}"
                    );
                    assert!(!holds(from - 1) && !holds(until + 1), "{json} {rules:?}");
                }
                None => assert!(!holds(now), "{json} {rules:?}"),
                Some(_) => {}
            }
        }
        assert!(windows > 100, "{windows}");
    }

    const CLAIMS: &str = r#"{"iss":"a\u0062","aud":["x",7,{"k":1},"y"],"exp":1.5e9,"nbf":"soon","custom":{"deep":[1]},"n":3}"#;

    #[test]
    fn the_view_reads_checked_claims_and_names() {
        let view = ClaimsView::parse(CLAIMS, &[]).unwrap();
        assert_eq!(ClaimsView::text(view.iss.as_ref()), Some("ab"));
        assert!(matches!(&view.aud, Some(Claim::Texts(a)) if a == &["x", "y"]));
        assert!(matches!(view.exp, Some(Claim::Number(n)) if (n - 1.5e9).abs() < 1.0));
        assert!(matches!(view.nbf, Some(Claim::Text(_))));
        assert!(view.has("custom") && view.has("aud") && !view.has("sub"));
        assert!(view.kept.is_empty());
    }

    /// Kept claims are the full parser's values, and keeping a checked claim changes nothing
    /// the checks see.
    #[test]
    fn kept_claims_are_the_full_values() {
        let full = crate::json::parse(CLAIMS).unwrap();
        let keep = ["aud", "custom", "exp", "iss", "missing", "nbf"].map(String::from);
        let view = ClaimsView::parse(CLAIMS, &keep).unwrap();
        let plain = ClaimsView::parse(CLAIMS, &[]).unwrap();
        for (name, value) in &view.kept {
            assert_eq!(Some(value), full.get(name), "{name}");
        }
        assert_eq!(view.kept.len(), 5);
        assert!(!view.kept.contains_key("n"));
        for (kept, plain) in [
            (&view.iss, &plain.iss),
            (&view.aud, &plain.aud),
            (&view.exp, &plain.exp),
            (&view.nbf, &plain.nbf),
        ] {
            assert_eq!(format!("{kept:?}"), format!("{plain:?}"));
        }
        assert_eq!(view.names, plain.names);
    }

    #[test]
    fn the_view_is_as_strict_as_the_full_parser() {
        for text in [
            r#"{"exp":1,"exp":2}"#,
            r#"{"exp":1,"\u0065xp":2}"#,
            r#"{"x":1,"x":2}"#,
            r#"{"aud":[{"a":1,"a":2}]}"#,
            r#"{"iss":{"a":1,"a":2}}"#,
            r#"{"custom":[[{"b":0,"b":0}]]}"#,
            r#"{"sub":"\ud800"}"#,
            r#"{"exp":1e400}"#,
            r#"[{"exp":1}]"#,
            r#""claims""#,
            r#"{"exp":1} x"#,
        ] {
            assert!(ClaimsView::parse(text, &[]).is_err(), "{text}");
            let keep = ["aud", "custom", "exp", "iss", "sub", "x"].map(String::from);
            assert!(ClaimsView::parse(text, &keep).is_err(), "{text}");
            assert!(
                crate::json::parse(text)
                    .ok()
                    .filter(Value::is_object)
                    .is_none(),
                "{text}"
            );
        }
    }
}
