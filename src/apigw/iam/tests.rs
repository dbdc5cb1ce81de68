use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::{
    agree_with_current, answer, cache::GrantInputs, grant_everything, GrantCache, Grants, Patterns,
};
use crate::{
    apigw::{
        arn::resource,
        iam::{cache, report::cache_report},
        IamPolicy, Response,
    },
    policy::{route::Target, Policy},
    request::{Readings, METHODS},
    sender::Bound,
};

const PREFIX: &str = "arn:aws:execute-api:r:1:api/prod";

fn claims(value: &Value) -> &Map<String, Value> {
    value.as_object().unwrap()
}

/// The answer API Gateway caches for a principal: the class's, unchanged by the request.
fn cached(policy: &Policy, claims: &Map<String, Value>) -> Grants {
    cache::build(
        policy,
        &GrantInputs::new(policy, PREFIX, claims, Bound::Bearer),
    )
}

/// What a fresh decision says of a raw request.
fn fresh(policy: &Policy, claims: &Map<String, Value>, method: &str, path: &str) -> bool {
    Readings::new(method, path)
        .targets()
        .all(|target| policy.allows(target, claims))
}

/// Every request of `paths` (each with every method) that the cached answer allows and a
/// fresh decision denies.
fn over_grants(policy: &Policy, claims: &Map<String, Value>, paths: &[&str]) -> Vec<String> {
    let answer = cached(policy, claims);
    METHODS
        .iter()
        .flat_map(|m| paths.iter().map(move |p| (*m, *p)))
        .filter(|(m, p)| answer.permits(&resource(m, p)) && !fresh(policy, claims, m, p))
        .map(|(m, p)| format!("{m} {p}"))
        .collect()
}

fn policy(json: &str) -> Policy {
    Policy::from_json(json).unwrap()
}

/// One test per family the independent IAM engine found: each allowed a request from the
/// cache that a fresh decision denies, before answers were proved.
#[test]
fn head_needs_get() {
    let p = policy(
        r#"{"rules":[{"id":"h","effect":"allow","routes":["HEAD /report","* /pets"]},{"id":"no","effect":"deny","routes":["GET /pets"]}]}"#,
    );
    let nobody = json!({});
    assert_eq!(
        over_grants(&p, claims(&nobody), &["/report", "/pets"]),
        Vec::<String>::new()
    );
    // POST /pets stays allowed: the denial of GET also denies HEAD, nothing more.
    assert!(cached(&p, claims(&nobody)).permits("/POST/pets"));
}

#[test]
fn an_empty_last_segment_is_no_parameter() {
    let p = policy(r#"{"rules":[{"id":"read","effect":"allow","routes":["GET /pets/{id}"]}]}"#);
    let nobody = json!({});
    let answer = cached(&p, claims(&nobody));
    assert!(!answer.permits("/GET/pets/") && !answer.permits("/GET/pets"));
    assert!(answer.permits("/GET/pets/1") && answer.permits("/GET/pets/1/"));
    assert!(!answer.permits("/GET/pets/1/x"));
}

#[test]
fn dot_and_empty_segments_and_bare_greedy_prefixes() {
    let p = policy(
        r#"{"rules":[{"id":"a","effect":"allow","routes":["GET /pets/{id}","* /files/**","GET /public/{p+}"]}]}"#,
    );
    let nobody = json!({});
    let paths = [
        "/pets/.",
        "/pets/..",
        "/pets/./",
        "/pets/%2e",
        "/pets/%2E%2e",
        "/files/",
        "/files//",
        "/files/a//b",
        "/files/a/./b",
        "/files/a/%2e%2e/b",
        "/public/",
        "/public/..",
        "/pets//",
    ];
    assert_eq!(
        over_grants(&p, claims(&nobody), &paths),
        Vec::<String>::new()
    );
    let answer = cached(&p, claims(&nobody));
    assert!(answer.permits("/GET/files/a/b") && answer.permits("/DELETE/files/a"));
}

#[test]
fn escaped_separators_and_dots() {
    let p = policy(
        r#"{"rules":[{"id":"a","effect":"allow","routes":["GET /pets/{id}","GET /docs/{d}/meta"]}]}"#,
    );
    let nobody = json!({});
    let paths = [
        "/pets/a%2Fb",
        "/pets/a%2fb",
        "/pets/%2e",
        "/docs/a%2Fb/meta",
        "/docs/%2E/meta",
    ];
    assert_eq!(
        over_grants(&p, claims(&nobody), &paths),
        Vec::<String>::new()
    );
    assert!(cached(&p, claims(&nobody)).permits("/GET/pets/a%20b"));
}

/// The README's former "documented limit": deeper paths under a one-segment parameter, when
/// the document also allows a deeper route there. IAM has no exception to a `Deny`, so the
/// deeper route is over-denied by a cached answer (and the load-time report says so).
#[test]
fn deeper_paths_under_a_parameter_with_a_deeper_route() {
    let p = policy(
        r#"{"rules":[{"id":"a","effect":"allow","routes":["GET /pets/{id}","GET /pets/{id}/toys/{t}"]}]}"#,
    );
    let nobody = json!({});
    let paths = [
        "/pets/1/extra",
        "/pets/1/toys",
        "/pets/1/toys/2/3",
        "/pets/1/2/toys/3",
    ];
    assert_eq!(
        over_grants(&p, claims(&nobody), &paths),
        Vec::<String>::new()
    );
    let answer = cached(&p, claims(&nobody));
    assert!(answer.permits("/GET/pets/1") && !answer.permits("/GET/pets/1/toys/2"));
}

#[test]
fn one_tenant_never_gets_another_tenants_routes() {
    let p = policy(
        r#"{"rules":[
            {"id":"own","effect":"allow","routes":["GET /t/{t}/orders","GET /t/{t}/x/{o}"],"when":[{"claim":"tenant","equalsParam":"t"}]},
            {"id":"two","effect":"allow","routes":["GET /s/{a}/{b}","GET /s/{b}/{a}"],"when":[{"claim":"tenant","equalsParam":"a"}]},
            {"id":"pub","effect":"allow","routes":["GET /t/{t}/public"]}
        ]}"#,
    );
    for tenant in [
        "t1",
        "t*",
        "t1/t2",
        "",
        "..",
        "%74%31",
        "${aws:username}",
        "t?",
    ] {
        let who = json!({ "tenant": tenant });
        let paths = [
            "/t/t1/orders",
            "/t/t2/orders",
            "/t/t1/x/1",
            "/t/t2/x/1",
            "/t/t1/t2/orders",
            "/t/%74%31/orders",
            "/s/t1/t2",
            "/s/t2/t1",
            "/s/t2/t3",
            "/t/t2/public",
            "/t/t*/orders",
        ];
        assert_eq!(
            over_grants(&p, claims(&who), &paths),
            Vec::<String>::new(),
            "{tenant}"
        );
    }
    let answer = cached(&p, claims(&json!({ "tenant": "t1" })));
    assert!(answer.permits("/GET/t/t1/orders") && !answer.permits("/GET/t/t2/orders"));
}

/// A deny rule's literal under an allowed wildcard: its escaped spellings are denied too.
#[test]
fn escaped_spellings_of_a_denied_route() {
    let p = policy(
        r#"{"rules":[{"id":"all","effect":"allow","routes":["GET /**"]},{"id":"no","effect":"deny","routes":["GET /admin/**"]}]}"#,
    );
    let nobody = json!({});
    let paths = [
        "/admin/x",
        "/%61dmin/x",
        "/admin%2Fx",
        "/ADMIN/x",
        "/adm%69n/x/",
    ];
    assert_eq!(
        over_grants(&p, claims(&nobody), &paths),
        Vec::<String>::new()
    );
    let answer = cached(&p, claims(&nobody));
    assert!(answer.permits("/GET/pets/1") && answer.permits("/GET/ADMIN/x"));
}

/// The property, over documents and principals drawn by a small deterministic generator and
/// every path of a hostile alphabet up to three pieces: the cached answer never allows what a
/// fresh decision denies. (`tests/js/cache-safety.test.mjs` checks the same with an
/// independent IAM engine.)
#[test]
fn no_cached_answer_allows_what_the_policy_denies() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % n as u64).unwrap()
    };
    let routes = [
        "GET /pets",
        "GET /pets/{id}",
        "* /pets/{id}",
        "HEAD /pets/{id}",
        "GET /pets/{id}/toys/{t}",
        "ANY /files/{key+}",
        "GET /files/**",
        "GET /a/*/b",
        "DELETE /pets/{id}",
        "GET /t/{t}/o",
        "GET /t/{t}/**",
        "GET /",
        "$default",
        "GET /pets/*/toys",
        "POST /t/{t}",
    ];
    let pieces = [
        "/", "pets", "1", "toys", "files", "a", "b", "t", "t1", "o", "", ".", "..", "%2F", "%2e",
        "*", "?", "$", "%70ets",
    ];
    let mut paths = vec![String::new()];
    for _ in 0..3 {
        let more: Vec<String> = paths
            .iter()
            .flat_map(|p| pieces.iter().map(move |x| format!("{p}{x}")))
            .collect();
        paths.extend(more);
    }
    paths.retain(|p| p.starts_with('/'));
    paths.sort();
    paths.dedup();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    for _ in 0..40 {
        let rules: Vec<String> = (0..=next(4))
            .map(|i| {
                let effect = if next(3) == 0 { "deny" } else { "allow" };
                let picked: Vec<String> = (0..=next(3))
                    .map(|_| format!("{:?}", routes[next(routes.len())]))
                    .collect();
                let when = match next(3) {
                    0 => r#","when":[{"claim":"tenant","equalsParam":"t"}]"#,
                    1 => r#","scopes":{"anyOf":["s"]}"#,
                    _ => "",
                };
                format!(
                    r#"{{"id":"r{i}","effect":"{effect}","routes":[{}]{when}}}"#,
                    picked.join(",")
                )
            })
            .collect();
        let Ok(p) = Policy::from_json(&format!(r#"{{"rules":[{}]}}"#, rules.join(","))) else {
            continue;
        };
        for who in [
            json!({}),
            json!({ "scope": "s", "tenant": "t1" }),
            json!({ "tenant": "a/b" }),
            json!({ "tenant": "*" }),
        ] {
            let found = over_grants(&p, claims(&who), &paths);
            assert!(found.is_empty(), "{rules:?} {who}: {found:?}");
        }
    }
}

/// A cached answer is only ever reused for a principal whose claims meet the document the
/// same way: each answer equals the one built from scratch, in any order of principals and
/// requests; requests for other ids share the entry.
#[test]
fn cached_grants_equal_fresh_ones() {
    let p = policy(
        r#"{"rules":[
            {"id":"read","effect":"allow","routes":["GET /pets","GET /pets/{id}"],"scopes":{"anyOf":["pets:read"]}},
            {"id":"admin","effect":"allow","routes":["* /pets/*"],"when":[{"claim":"groups","containsAny":["admin"]}]},
            {"id":"tenant","effect":"allow","routes":["GET /tenants/{t}/orders"],"when":[{"claim":"tenant","equalsParam":"t"}]},
            {"id":"no-delete","effect":"deny","routes":["DELETE /pets/{id}"],"when":[{"claim":"groups","containsAny":["intern"]}]}
        ]}"#,
    );
    let principals = [
        json!({ "scope": "pets:read" }),
        json!({ "scope": "pets:read", "groups": ["admin"] }),
        json!({ "groups": ["admin", "intern"], "tenant": "t1" }),
        json!({ "tenant": "t2" }),
        json!({ "tenant": "t1" }),
        json!({}),
        json!({ "scope": "openid pets:read", "sub": "someone else" }),
    ];
    let cache = GrantCache::default();
    for (method, path) in [
        ("GET", "/pets/7"),
        ("DELETE", "/pets/8"),
        ("GET", "/tenants/t1/orders"),
    ] {
        let current = [resource(method, path)];
        for who in &principals {
            let who = claims(who);
            let allowed = fresh(&p, who, method, path);
            let built = Arc::new(cached(&p, who));
            let from_scratch = agree_with_current(PREFIX, &built, &current, allowed).unwrap();
            let from_cache = cache
                .grants(&p, PREFIX, who, Bound::Bearer, &current, allowed)
                .unwrap();
            assert_eq!(from_cache, from_scratch, "{method} {path}: {who:?}");
            assert_eq!(
                from_cache.permits(&current[0]),
                allowed,
                "{method} {path}: {who:?}"
            );
        }
    }
    assert_eq!(cache.entries_len(), principals.len() - 1);
}

/// An allowed request that the shared answer does not permit is allowed alone, unless its
/// path holds a wildcard character or a policy variable: that would grant other paths too,
/// so the request must be denied (`None`).
#[test]
fn an_allowed_request_is_allowed_alone_only_by_its_literal_path() {
    let base = Arc::new(super::deny_everything(PREFIX));
    let literal = agree_with_current(PREFIX, &base, &["/GET/a/1/b".to_owned()], true).unwrap();
    assert!(literal.permits("/GET/a/1/b") && !literal.permits("/GET/a/2/b"));
    for wild in ["/GET/a/*/b", "/GET/a/?/b", "/GET/a/${x}/b"] {
        assert!(
            agree_with_current(PREFIX, &base, &[wild.to_owned()], true).is_none(),
            "{wild}"
        );
    }
    // A denied request that the base would allow gets a denial of its own, never a `${`.
    let all = Arc::new(grant_everything(PREFIX));
    let denied = agree_with_current(PREFIX, &all, &["/GET/a/${x}/b".to_owned()], false).unwrap();
    assert!(!denied.document().contains("${") && !denied.permits("/GET/a/${x}/b"));
    assert!(denied.permits("/GET/other"));
}

/// Cached answers, and only they, name their document by an id of their own: a fresh cache
/// never reuses an id, and an answer written by id says just the id.
#[test]
fn cached_documents_have_ids_of_their_own() {
    let p = policy(
        r#"{"rules":[{"id":"read","effect":"allow","routes":["GET /pets"],"scopes":{"anyOf":["pets:read"]}}]}"#,
    );
    let current = [resource("GET", "/pets")];
    let reader = json!({ "scope": "pets:read" });
    let nobody = Map::new();
    let answer = |cache: &GrantCache, who, allowed| {
        cache
            .grants(&p, PREFIX, who, Bound::Bearer, &current, allowed)
            .unwrap()
    };
    let cache = GrantCache::default();
    let read = answer(&cache, claims(&reader), true);
    let none = answer(&cache, &nobody, false);
    assert!(read.id().is_some() && none.id().is_some() && read.id() != none.id());
    assert_eq!(answer(&cache, claims(&reader), true).id(), read.id());
    assert_ne!(
        answer(&GrantCache::default(), claims(&reader), true).id(),
        read.id()
    );
    assert_eq!(answer(&cache, claims(&reader), false).id(), None);
    assert_eq!(grant_everything(PREFIX).id(), None);
    let Response::Iam(mut iam) =
        crate::apigw::response::iam_response("alice", Arc::clone(&read), Map::new(), None)
    else {
        unreachable!()
    };
    let whole = serde_json::to_string(&Response::Iam(iam.clone())).unwrap();
    assert!(whole.contains(&format!(r#""policyDocument":{}"#, read.document())));
    let named = IamPolicy::refer_to_document(&mut iam).unwrap();
    assert!(Arc::ptr_eq(&named, &read));
    assert_eq!(
        serde_json::to_string(&Response::Iam(iam)).unwrap(),
        format!(
            r#"{{"principalId":"alice","policyDocument":{},"context":{{}}}}"#,
            read.id().unwrap()
        )
    );
}

/// Documents name full ARNs, escaped as JSON; with nothing to allow or deny, the whole API and
/// stage is denied. A stage `*` (the console's test calls) is a wildcard to IAM, also in the
/// matching, and such an answer allows the current request alone.
#[test]
fn documents_list_full_arns() {
    let empty = super::deny_everything(PREFIX);
    assert_eq!(
        empty.document(),
        r#"{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Deny","Resource":["arn:aws:execute-api:r:1:api/prod/*"]}]}"#
    );
    assert!(!empty.permits("/GET/pets"));
    let mut patterns = Patterns::under(PREFIX);
    patterns.allow.insert("/GET/a\"b".to_owned());
    let grants = Grants::new(PREFIX, patterns);
    assert!(grants
        .document()
        .contains(r#""arn:aws:execute-api:r:1:api/prod/GET/a\"b""#));
    let mut wild = Patterns::under("arn:aws:execute-api:r:1:api/*");
    wild.allow.insert("/GET/x".to_owned());
    assert!(wild.permits("/GET/y/GET/x"));
    let p = policy(r#"{"rules":[{"id":"all","effect":"allow","routes":["GET /**"]}]}"#);
    let test_call = cache::build(
        &p,
        &GrantInputs::new(
            &p,
            "arn:aws:execute-api:r:1:api/*",
            &Map::new(),
            Bound::Bearer,
        ),
    );
    assert!(!test_call.permits("/GET/x"));
}

/// The load-time report: an exact policy says so; an inexact one names the class, the pattern
/// left out, a request over-denied, and the per-route cache as the remedy.
#[test]
fn the_report_names_inexact_classes_and_the_remedy() {
    let exact = policy(
        r#"{"rules":[{"id":"read","effect":"allow","routes":["GET /pets/{id}","GET /files/**"],"scopes":{"anyOf":["r"]}}]}"#,
    );
    let report = cache_report(&exact, false, false);
    assert!(report.exact, "{report:?}");
    assert_eq!((report.classes_checked, report.all_classes), (2, true));
    assert!(report.remedies.is_empty());
    // HEAD without GET can only be denied; `GET /pets/{id}` beside `GET /pets/{id}/x/{y}`
    // over-denies `/pets/1/a/b` (the carve-out of deeper paths covers it).
    let inexact = policy(
        r#"{"rules":[{"id":"h","effect":"allow","routes":["HEAD /h"]},{"id":"deep","effect":"allow","routes":["GET /pets/{id}","GET /pets/{id}/x/{y}"],"when":[{"claim":"g","exists":true}]}]}"#,
    );
    let report = cache_report(&inexact, false, false);
    assert!(!report.exact);
    let head = &report.inexact[0];
    assert!(
        head.narrowed
            .iter()
            .any(|n| n.rule == "h" && n.resource == "/HEAD/h"),
        "{head:?}"
    );
    let deep = report
        .inexact
        .iter()
        .find(|c| c.meets.contains(&"deep".to_owned()))
        .unwrap();
    assert!(
        deep.over_denied
            .as_deref()
            .is_some_and(|r| r.starts_with("GET /pets/") && r.contains("/x/")),
        "{report:?}"
    );
    assert!(report.remedies[0].contains("$context.resourcePath"));
    let simple = cache_report(&exact, true, false);
    assert!(simple.remedies[0].contains("$context.routeKey"));
}

/// Sender-constrained tokens in the report: DPoP needs caching off; a policy that requires
/// certificate-bound tokens, a cache per certificate; bound and unbound principals are
/// classes of their own.
#[test]
fn the_report_says_what_bound_tokens_need_of_the_cache() {
    let bound = policy(
        r#"{"rules":[{"id":"read","effect":"allow","routes":["GET /pets/{id}"]},{"id":"write","effect":"allow","routes":["POST /pets/{id}"],"binding":"mtls"}]}"#,
    );
    let report = cache_report(&bound, false, true);
    assert_eq!(report.classes_checked, 2);
    assert!(report
        .remedies
        .iter()
        .any(|r| r.contains("DPoP") && r.contains("TTL to 0")));
    assert!(report.remedies.iter().any(|r| r.contains("clientCert")));
    let unbound =
        policy(r#"{"rules":[{"id":"read","effect":"allow","routes":["GET /pets/{id}"]}]}"#);
    assert!(cache_report(&unbound, false, false).remedies.is_empty());
}

/// Patterns longer than API Gateway accepts are left out (an allow) or cut short with a `*`
/// (a deny).
#[test]
fn resources_fit_api_gateways_limit() {
    let long = "a".repeat(600);
    let p = policy(&format!(
        r#"{{"rules":[{{"id":"long","effect":"allow","routes":["GET /{long}","GET /ok"]}},{{"id":"no","effect":"deny","routes":["GET /ok/{long}"]}}]}}"#
    ));
    let built = answer::build(&p, &p.meets(&Map::new(), Bound::Bearer), PREFIX.len());
    assert!(built.allow.contains("/GET/ok") && built.allow.len() == 1);
    assert!(built.narrowed[0].reason.contains("512"));
    assert!(built
        .deny
        .iter()
        .all(|d| PREFIX.len() + d.len() <= super::MAX_RESOURCE_ARN_LEN));
    let _ = Target::Key("$connect");
}
