//! Lints: what a valid document says that is likely not what its author meant. Rules that can
//! never apply (a route API Gateway never authorizes, conditions no claim meets, an allow
//! shadowed by an unconditional deny), and, against the routes of an API, policy routes that
//! match none of them and API routes that no allow rule reaches, with the coverage table.

use serde::{Deserialize, Serialize};

use super::{
    condition::Condition,
    operator::Requirement,
    route::{Route, Segment},
    Effect, Policy, Rule,
};

/// How much a finding matters: errors make `jwtgate policy check` fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Level {
    /// Certainly a mistake: part of the document does nothing, or a deployment breaks it.
    Error,
    /// Likely a mistake.
    Warning,
    /// Worth knowing.
    Note,
}

/// One finding of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Finding {
    /// A stable code such as `ALLOW_SHADOWED`.
    pub code: &'static str,
    /// How much it matters.
    pub level: Level,
    /// What is wrong, in words.
    pub message: String,
    /// The rule it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Where in the policy document (a JSON path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Where in the API's or template's file (as the caller named it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Finding {
    pub(crate) fn new(code: &'static str, level: Level, message: String) -> Self {
        Self {
            code,
            level,
            message,
            rule: None,
            at: None,
            source: None,
        }
    }

    fn of_rule(mut self, rule: &Rule, at: String) -> Self {
        self.rule = Some(rule.id.clone());
        self.at = Some(at);
        self
    }

    pub(crate) fn at_source(mut self, source: Option<&str>) -> Self {
        self.source = source.map(str::to_owned);
        self
    }
}

/// A route of the API, as its definition names it: `"GET /pets/{id}"`, `"any /{proxy+}"`,
/// `"x-amazon-apigateway-any-method /x"`, `"$connect"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct ApiRoute {
    /// The method (any case; `ANY` and the `OpenAPI` extension
    /// `x-amazon-apigateway-any-method` for any) and path, or a route key.
    pub route: String,
    /// Where it is defined, for messages (`paths./pets.get`).
    #[serde(default)]
    pub source: Option<String>,
}

/// Which rules reach one route of the API.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Coverage {
    /// The API's route, as a policy route.
    pub route: String,
    /// Where it is defined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Every rule one of whose routes matches some request of it, in document order.
    pub rules: Vec<Applying>,
    /// Whether some allow rule that can apply reaches it (if not, every request is denied).
    pub allowed: bool,
}

/// A rule reaching an API route, and what it asks.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
pub struct Applying {
    /// The rule's id.
    pub rule: String,
    /// The rule's effect.
    pub effect: Effect,
    /// Whether its routes match every request of the API route, not only some.
    pub whole: bool,
    /// What else it requires: its scopes, conditions and bindings, one phrase each.
    pub requires: Vec<String>,
}

/// The lints of a document, and its coverage of an API's routes when they were given.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Lint {
    /// Every finding, rule by rule, then the API's.
    pub findings: Vec<Finding>,
    /// Each API route, with the rules that reach it; absent without an API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Vec<Coverage>>,
}

impl Policy {
    /// The lints of the document, and, given the routes of an API, its coverage of them.
    #[must_use]
    pub fn lint(&self, api: Option<&[ApiRoute]>) -> Lint {
        let mut findings = Vec::new();
        // Whether each rule can apply at all: one that cannot allows no route of the coverage.
        let mut live = Vec::with_capacity(self.rules.len());
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("$.rules[{i}]");
            let before = findings.len();
            findings.extend(never_authorized(rule, &at));
            findings.extend(self.head_without_get(rule, &at));
            findings.extend(contradiction(rule, &at));
            findings.extend(self.shadowing(rule, &at));
            live.push(findings[before..].iter().all(|f| f.level != Level::Error));
        }
        let coverage = api.map(|api| self.coverage(api, &live, &mut findings));
        Lint { findings, coverage }
    }

    /// The `HEAD` routes of an allow rule that no allow rule routes as `GET` too: a `HEAD`
    /// request is allowed only if it is allowed as a `GET` ([`crate::request`]).
    fn head_without_get(&self, rule: &Rule, at: &str) -> Vec<Finding> {
        if rule.effect == Effect::Deny {
            return Vec::new();
        }
        let as_get = |route: &Route| match route {
            Route::Http { segments, .. } => Route::Http {
                method: Some("GET".to_owned()),
                segments: segments.clone(),
            },
            Route::Key(_) => route.clone(),
        };
        let allows_get = |get: &Route| {
            self.rules
                .iter()
                .filter(|r| r.effect == Effect::Allow)
                .any(|r| r.routes.iter().any(|route| route.overlaps(get)))
        };
        rule.routes
            .iter()
            .enumerate()
            .filter(|(_, route)| matches!(route, Route::Http { method: Some(m), .. } if m == "HEAD"))
            .filter(|(_, route)| !allows_get(&as_get(route)))
            .map(|(j, route)| {
                let message = format!("route \"{route}\" allows nothing: a HEAD request is allowed only if it is allowed as a GET too, and no allow rule routes GET there");
                Finding::new("HEAD_WITHOUT_GET", Level::Warning, message)
                    .of_rule(rule, format!("{at}.routes[{j}]"))
            })
            .collect()
    }

    /// The routes of `rule` matched by an unconditional deny's, with the ids of the denies.
    fn shadowing(&self, rule: &Rule, at: &str) -> Vec<Finding> {
        if rule.effect == Effect::Deny {
            return Vec::new();
        }
        let shadows = |route: &Route| -> Vec<&str> {
            self.rules
                .iter()
                .filter(|d| d.effect == Effect::Deny && d.scopes.is_empty() && d.when.is_empty())
                .filter(|d| d.routes.iter().any(|r| r.covers(route)))
                .map(|d| d.id.as_str())
                .collect()
        };
        let shadowed: Vec<(usize, Vec<&str>)> = rule
            .routes
            .iter()
            .enumerate()
            .map(|(j, route)| (j, shadows(route)))
            .filter(|(_, by)| !by.is_empty())
            .collect();
        if shadowed.len() == rule.routes.len() {
            let mut by: Vec<&str> = shadowed.into_iter().flat_map(|(_, by)| by).collect();
            by.sort_unstable();
            by.dedup();
            let message = format!(
                "never allows anything: every request its routes match is denied by {}, which has no scopes or conditions",
                quoted(&by)
            );
            return vec![
                Finding::new("ALLOW_SHADOWED", Level::Error, message).of_rule(rule, at.to_owned())
            ];
        }
        shadowed
            .into_iter()
            .map(|(j, by)| {
                let message = format!(
                    "route \"{}\" allows nothing: every request it matches is denied by {}",
                    rule.routes[j],
                    quoted(&by)
                );
                Finding::new("ROUTE_SHADOWED", Level::Warning, message)
                    .of_rule(rule, format!("{at}.routes[{j}]"))
            })
            .collect()
    }

    /// The coverage of each API route, adding the findings of routes on either side that meet
    /// nothing on the other.
    fn coverage(
        &self,
        api: &[ApiRoute],
        live: &[bool],
        findings: &mut Vec<Finding>,
    ) -> Vec<Coverage> {
        let mut parsed = Vec::new();
        for entry in api {
            match api_route(&entry.route) {
                Ok(route) => parsed.push((route, entry)),
                Err(why) => findings.push(
                    Finding::new(
                        "API_ROUTE_UNREADABLE",
                        Level::Note,
                        format!("API route {:?} is not checked: {why}", entry.route),
                    )
                    .at_source(entry.source.as_deref()),
                ),
            }
        }
        for (i, rule) in self.rules.iter().enumerate() {
            for (j, route) in rule.routes.iter().enumerate() {
                if !parsed.iter().any(|(api, _)| meets(route, &pieces(api))) {
                    findings.push(
                        Finding::new(
                            "ROUTE_NOT_IN_API",
                            Level::Warning,
                            format!("route \"{route}\" matches no route of the API"),
                        )
                        .of_rule(rule, format!("$.rules[{i}].routes[{j}]")),
                    );
                }
            }
        }
        parsed
            .iter()
            .map(|(route, entry)| {
                let covered = self.covering(route, live);
                if !covered.allowed {
                    findings.push(
                        Finding::new(
                            "API_ROUTE_UNCOVERED",
                            Level::Warning,
                            format!("no allow rule that can apply reaches API route \"{route}\": every request to it is denied"),
                        )
                        .at_source(entry.source.as_deref()),
                    );
                }
                Coverage {
                    source: entry.source.clone(),
                    ..covered
                }
            })
            .collect()
    }

    /// The rules reaching `api`; it is allowed when one of them is a live allow.
    fn covering(&self, api: &Route, live: &[bool]) -> Coverage {
        let pieces = pieces(api);
        let reaching: Vec<(&Rule, bool)> = self
            .rules
            .iter()
            .zip(live.iter().copied())
            .filter(|(rule, _)| rule.routes.iter().any(|r| meets(r, &pieces)))
            .collect();
        let rules: Vec<Applying> = reaching
            .iter()
            .map(|(rule, _)| Applying {
                rule: rule.id.clone(),
                effect: rule.effect,
                whole: pieces
                    .iter()
                    .all(|piece| rule.routes.iter().any(|r| r.covers(piece))),
                requires: requirements(rule),
            })
            .collect();
        Coverage {
            route: api.to_string(),
            source: None,
            allowed: reaching
                .iter()
                .any(|(rule, live)| *live && rule.effect == Effect::Allow),
            rules,
        }
    }
}

/// What an API route receives, as policy routes: itself, except that an HTTP API's `$default`
/// route receives the requests no other route takes, which the authorizer decides by method and
/// path (`* /` and `* /**`).
fn pieces(api: &Route) -> Vec<Route> {
    if *api != Route::Key("$default".to_owned()) {
        return vec![api.clone()];
    }
    let http = |segments| Route::Http {
        method: None,
        segments,
    };
    vec![http(Vec::new()), http(vec![Segment::Rest(None)])]
}

/// Whether a policy route matches some request of an API route ([`pieces`]).
fn meets(policy: &Route, pieces: &[Route]) -> bool {
    pieces.iter().any(|piece| policy.overlaps(piece))
}

/// An API's route as a policy route: the method in upper case, `ANY` and `OpenAPI`'s
/// `x-amazon-apigateway-any-method` as `*`, a trailing `/` dropped.
fn api_route(text: &str) -> Result<Route, String> {
    let Some((method, path)) = text.split_once(' ') else {
        return Route::parse(text);
    };
    let method = method.to_ascii_uppercase();
    let method = match method.as_str() {
        "ANY" | "X-AMAZON-APIGATEWAY-ANY-METHOD" => "*",
        other => other,
    };
    let path = match path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => path,
    };
    Route::parse(&format!("{method} {path}"))
}

/// A rule's scopes, conditions and bindings, one phrase each.
fn requirements(rule: &Rule) -> Vec<String> {
    let scopes = rule
        .scopes
        .iter()
        .map(|s| format!("scopes {}", s.describe()));
    let when = rule.when.iter().map(Condition::describe);
    let bindings = rule
        .bindings
        .iter()
        .map(|b| format!("binding {}", b.name()));
    scopes.chain(when).chain(bindings).collect()
}

/// `$disconnect` routes: API Gateway calls a WebSocket API's authorizer on `$connect` only.
fn never_authorized(rule: &Rule, at: &str) -> Vec<Finding> {
    rule.routes
        .iter()
        .enumerate()
        .filter(|(_, route)| **route == Route::Key("$disconnect".to_owned()))
        .map(|(j, _)| {
            Finding::new(
                "ROUTE_NEVER_AUTHORIZED",
                Level::Warning,
                "API Gateway calls a WebSocket API's authorizer on $connect only: no request on $disconnect is ever decided".into(),
            )
            .of_rule(rule, format!("{at}.routes[{j}]"))
        })
        .collect()
}

/// The first condition of `rule` that no value of its claim meets together with the rule's
/// other conditions on that claim. Only conditions that list their values are tried
/// ([`super::operator::Operator::only_values`]), each value against the others.
fn contradiction(rule: &Rule, at: &str) -> Option<Finding> {
    rule.when.iter().enumerate().find_map(|(k, condition)| {
        let values = condition.op.only_values()?;
        let others: Vec<(usize, &Condition)> = rule
            .when
            .iter()
            .enumerate()
            .filter(|(j, other)| *j != k && other.claim == condition.claim)
            .collect();
        let possible = values.iter().any(|value| {
            core::iter::once(condition)
                .chain(others.iter().map(|(_, c)| *c))
                .all(|c| c.op.require(*value) != Requirement::Unmet)
        });
        if possible {
            return None;
        }
        let with: Vec<String> = others
            .iter()
            .map(|(j, c)| format!("when[{j}] ({})", c.describe()))
            .collect();
        let message = if with.is_empty() {
            format!(
                "never applies: when[{k}] ({}) holds for no value",
                condition.describe()
            )
        } else {
            format!(
                "never applies: no value of {} meets when[{k}] ({}) and {}",
                condition.claim,
                condition.describe(),
                with.join(" and ")
            )
        };
        Some(
            Finding::new("CONDITIONS_CONTRADICT", Level::Error, message)
                .of_rule(rule, format!("{at}.when[{k}]")),
        )
    })
}

fn quoted(ids: &[&str]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("{id:?}")).collect();
    format!("rule {}", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(rules: &str, api: Option<&[&str]>) -> Lint {
        let policy = Policy::from_json(&format!(r#"{{"rules":[{rules}]}}"#)).unwrap();
        let api: Option<Vec<ApiRoute>> = api.map(|routes| {
            routes
                .iter()
                .map(|r| ApiRoute {
                    route: (*r).to_owned(),
                    source: Some(format!("paths.{r}")),
                })
                .collect()
        });
        policy.lint(api.as_deref())
    }

    fn codes(lint: &Lint) -> Vec<(&'static str, Option<&str>)> {
        lint.findings
            .iter()
            .map(|f| (f.code, f.at.as_deref().or(f.source.as_deref())))
            .collect()
    }

    #[test]
    fn a_clean_document_has_no_findings() {
        let lint = lint(
            r#"{"id":"read","effect":"allow","routes":["GET /pets/{id}"],"scopes":{"anyOf":["r"]}},
               {"id":"no-admin","effect":"deny","routes":["GET /pets/admin"]}"#,
            None,
        );
        assert_eq!(codes(&lint), []);
        assert!(lint.coverage.is_none());
    }

    #[test]
    fn an_allow_inside_an_unconditional_deny_is_shadowed() {
        let lint = lint(
            r#"{"id":"read","effect":"allow","routes":["GET /admin/users","DELETE /admin/{id}"]},
               {"id":"admin","effect":"deny","routes":["* /admin/**"]},
               {"id":"part","effect":"allow","routes":["GET /admin/x","GET /public"]},
               {"id":"interns","effect":"deny","routes":["GET /public"],"when":[{"claim":"g","equals":"intern"}]}"#,
            None,
        );
        assert_eq!(
            codes(&lint),
            [
                ("ALLOW_SHADOWED", Some("$.rules[0]")),
                ("ROUTE_SHADOWED", Some("$.rules[2].routes[0]"))
            ]
        );
        assert!(lint.findings[0]
            .message
            .contains("denied by rule \"admin\""));
        assert_eq!(lint.findings[0].level, Level::Error);
    }

    #[test]
    fn conditions_no_claim_meets_are_contradictions() {
        let lint = lint(
            r#"{"id":"a","effect":"allow","routes":["GET /a"],"when":[{"claim":"t","equals":"x"},{"claim":"t","in":["y","z"]}]},
               {"id":"b","effect":"allow","routes":["GET /b"],"when":[{"claim":"t","exists":false},{"claim":"t","prefix":"p"}]},
               {"id":"c","effect":"allow","routes":["GET /c"],"when":[{"claim":"t","in":[]}]},
               {"id":"d","effect":"allow","routes":["GET /d"],"when":[{"claim":"t","in":["ab","cd"]},{"claim":"t","regex":"c."}]},
               {"id":"e","effect":"allow","routes":["GET /e"],"when":[{"claim":"t","equals":"x"},{"claim":"u","equals":"y"}]}"#,
            None,
        );
        assert_eq!(
            codes(&lint),
            [
                ("CONDITIONS_CONTRADICT", Some("$.rules[0].when[0]")),
                ("CONDITIONS_CONTRADICT", Some("$.rules[1].when[0]")),
                ("CONDITIONS_CONTRADICT", Some("$.rules[2].when[0]")),
            ]
        );
        assert_eq!(
            lint.findings[0].message,
            "never applies: no value of t meets when[0] (t equals \"x\") and when[1] (t in [\"y\",\"z\"])"
        );
        assert!(lint.findings[2].message.contains("holds for no value"));
    }

    #[test]
    fn a_head_route_needs_a_get_route() {
        let lint = lint(
            r#"{"id":"h","effect":"allow","routes":["HEAD /a","HEAD /b/{id}"]},{"id":"g","effect":"allow","routes":["* /b/x"]}"#,
            None,
        );
        assert_eq!(
            codes(&lint),
            [("HEAD_WITHOUT_GET", Some("$.rules[0].routes[0]"))]
        );
    }

    #[test]
    fn disconnect_is_never_authorized() {
        let lint = lint(
            r#"{"id":"ws","effect":"allow","routes":["$connect","$disconnect"]}"#,
            None,
        );
        assert_eq!(
            codes(&lint),
            [("ROUTE_NEVER_AUTHORIZED", Some("$.rules[0].routes[1]"))]
        );
    }

    #[test]
    fn against_an_api_routes_meet_or_are_reported() {
        let lint = lint(
            r#"{"id":"read","effect":"allow","routes":["GET /pets/{id}","GET /toys"],"scopes":{"anyOf":["r"]}},
               {"id":"own","effect":"allow","routes":["* /pets/{id}"],"when":[{"claim":"pet","equalsParam":"id"}]},
               {"id":"no-admin","effect":"deny","routes":["GET /pets/admin"]}"#,
            Some(&[
                "get /pets/{petId}",
                "x-amazon-apigateway-any-method /pets/{petId}/",
                "POST /orders",
                "TRACE /pets",
            ]),
        );
        assert_eq!(
            codes(&lint),
            [
                ("API_ROUTE_UNREADABLE", Some("paths.TRACE /pets")),
                ("ROUTE_NOT_IN_API", Some("$.rules[0].routes[1]")),
                ("API_ROUTE_UNCOVERED", Some("paths.POST /orders")),
            ]
        );
        let coverage = lint.coverage.unwrap();
        assert_eq!(coverage.len(), 3);
        assert_eq!(coverage[0].route, "GET /pets/{petId}");
        let reaching: Vec<(&str, bool)> = coverage[0]
            .rules
            .iter()
            .map(|a| (a.rule.as_str(), a.whole))
            .collect();
        assert_eq!(
            reaching,
            [("read", true), ("own", true), ("no-admin", false)]
        );
        assert_eq!(coverage[0].rules[0].requires, ["scopes anyOf r"]);
        assert_eq!(
            coverage[0].rules[1].requires,
            ["pet equals path parameter {id}"]
        );
        assert_eq!(coverage[1].route, "* /pets/{petId}");
        assert_eq!(coverage[1].rules.len(), 3);
        assert!(!coverage[1].rules[0].whole, "GET only covers part of ANY");
        assert!(!coverage[2].allowed && coverage[2].rules.is_empty());
    }

    #[test]
    fn a_rule_that_never_applies_allows_no_api_route() {
        let lint = lint(
            r#"{"id":"no","effect":"deny","routes":["DELETE /x"]},{"id":"yes","effect":"allow","routes":["DELETE /x"]}"#,
            Some(&["DELETE /x"]),
        );
        assert_eq!(
            codes(&lint),
            [
                ("ALLOW_SHADOWED", Some("$.rules[1]")),
                ("API_ROUTE_UNCOVERED", Some("paths.DELETE /x"))
            ]
        );
        assert_eq!(lint.coverage.unwrap()[0].rules.len(), 2);
    }

    #[test]
    fn an_http_api_default_route_takes_every_request() {
        let lint = lint(
            r#"{"id":"all","effect":"allow","routes":["* /**","* /"]},{"id":"ws","effect":"allow","routes":["$connect"]}"#,
            Some(&["$default"]),
        );
        assert_eq!(
            codes(&lint),
            [("ROUTE_NOT_IN_API", Some("$.rules[1].routes[0]"))]
        );
        let coverage = lint.coverage.unwrap();
        assert!(coverage[0].allowed);
        assert_eq!(coverage[0].rules.len(), 1);
    }
}
