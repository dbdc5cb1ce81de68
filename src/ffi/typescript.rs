//! The TypeScript declarations of every value that crosses to JavaScript, generated from the
//! Rust types themselves (`ts-rs`, in test builds only: nothing of it reaches the wasm). The
//! package's hand-written `.d.ts` files declare the JavaScript API (classes, functions, options
//! that only JavaScript handles) and import these.
//!
//! `cargo test` rewrites `pkg/core.d.ts` when it is out of date, and fails then, so that a
//! change to a type cannot land without its declaration.

use std::fmt::Write as _;

use ts_rs::{Config, TS};

use super::{
    manifest::{Limits, Manifest, PolicyMembers},
    wire::Decided,
};
use crate::{
    apigw::{
        deployment::{
            ApiKind, AuthorizerCheck, AuthorizerConfig, AuthorizerType, Check, CheckInput,
        },
        iam::{
            report::{CacheReport, ClassReport},
            Narrowing,
        },
        BackendOutcome, EventPlan, Outcome, ProxyHeaders, ProxyPlan, ProxyResponse, Refetch,
        Response, Shape,
    },
    policy::{
        lint::{ApiRoute, Applying, Coverage, Finding, Level},
        operator::{Takes, OPERATORS},
        Decision, Effect, FailedCheck, RuleTrace,
    },
    sender::{Binding, Bound, Challenge, ClientCert, DpopOptions, Replay},
    Alg, AlgInfo, ClaimReason, Decoded, ErrorData, Family, KeyInfo, Severity, SkippedKey, Warning,
    Window,
};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/pkg/core.d.ts");

/// Every declaration, in one text.
fn declarations() -> String {
    // Seconds and sizes are far below 2^53: plain numbers, not `bigint`.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        serde_json::Value::decl(&cfg),
        ErrorData::decl(&cfg),
        ClaimReason::decl(&cfg),
        Window::decl(&cfg),
        AlgInfo::decl(&cfg),
        Family::decl(&cfg),
        KeyInfo::decl(&cfg),
        SkippedKey::decl(&cfg),
        Decoded::decl(&cfg),
        Warning::decl(&cfg),
        Severity::decl(&cfg),
        Decision::decl(&cfg),
        RuleTrace::decl(&cfg),
        FailedCheck::decl(&cfg),
        Effect::decl(&cfg),
        Outcome::decl(&cfg),
        Shape::decl(&cfg),
        Refetch::decl(&cfg),
        Bound::decl(&cfg),
        Binding::decl(&cfg),
        Challenge::decl(&cfg),
        Replay::decl(&cfg),
        DpopOptions::decl(&cfg),
        ClientCert::decl(&cfg),
        Response::decl(&cfg),
        crate::apigw::response_declarations(&cfg),
        CacheReport::decl(&cfg),
        ClassReport::decl(&cfg),
        Narrowing::decl(&cfg),
        CheckInput::decl(&cfg),
        ApiRoute::decl(&cfg),
        AuthorizerConfig::decl(&cfg),
        AuthorizerType::decl(&cfg),
        ApiKind::decl(&cfg),
        Check::decl(&cfg),
        Finding::decl(&cfg),
        Level::decl(&cfg),
        Coverage::decl(&cfg),
        Applying::decl(&cfg),
        AuthorizerCheck::decl(&cfg),
        Decided::decl(&cfg),
        Manifest::decl(&cfg),
        Limits::decl(&cfg),
        PolicyMembers::decl(&cfg),
        EventPlan::decl(&cfg),
        crate::frame::FrameTags::decl(&cfg),
        ProxyPlan::decl(&cfg),
        BackendOutcome::decl(&cfg),
        ProxyResponse::decl(&cfg),
        ProxyHeaders::decl(&cfg),
    ];
    let mut text = String::from(
        "// Generated from the Rust types by `cargo test` (src/ffi/typescript.rs): do not edit.\n\
         import type { JWTHeader, JWTPayload } from './index.js';\n",
    );
    let names: Vec<String> = Alg::ALL
        .iter()
        .map(|alg| format!("'{}'", alg.name()))
        .collect();
    let codes: Vec<String> = crate::Error::CODES
        .into_iter()
        .chain(crate::SenderFault::ALL.map(crate::SenderFault::code))
        .map(|code| format!("\n  | '{code}'"))
        .collect();
    let _ = write!(
        text,
        "\n/** The stable code of every error the core makes (the package adds its own). */\n\
         export type CoreErrorCode ={};\n",
        codes.concat()
    );
    let _ = write!(
        text,
        "\n/** A JWS algorithm jwtgate verifies. `none` is never accepted. */\n\
         export type Algorithm = {};\n\
         \n/** An authorizer context, as API Gateway takes it: the policy's `context` mapping, \
         objects and arrays JSON-encoded (`Policy::context`). */\n\
         export type AuthorizerContext = Record<string, string | number | boolean>;\n",
        names.join(" | ")
    );
    for decl in decls {
        let _ = write!(text, "\nexport {decl}\n");
    }
    text.push_str(&policy_condition());
    text
}

/// One `when` condition of a policy document: a claim and exactly one operator, each with the
/// JSON it takes ([`OPERATORS`]).
fn policy_condition() -> String {
    let operators: Vec<String> = OPERATORS
        .iter()
        .map(|(name, takes, _)| {
            let value = match takes {
                Takes::Any => "JsonValue",
                Takes::List => "JsonValue[]",
                Takes::Text => "string",
                Takes::Bool => "boolean",
            };
            format!("\n  | {{ {name}: {value} }}")
        })
        .collect();
    format!(
        "\n/** One condition on a claim (a name, or a dotted path); exactly one operator. */\n\
         export type PolicyCondition = {{ claim: string }} & ({}\n);\n",
        operators.concat()
    )
}

#[test]
fn the_declarations_are_current() {
    let fresh = declarations();
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    if committed != fresh {
        std::fs::write(PATH, &fresh).expect("pkg/core.d.ts is writable");
        panic!("pkg/core.d.ts was out of date and has been rewritten: review and commit it");
    }
}
