//! The env-provider checks pass a declaration that matches its description and catch each way
//! a declaration can drift from it.

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape};
use kt_secrets_testkit::env_provider::EnvProvider;

macro_rules! env_provider {
    ($name:literal, $($var:expr),+ $(,)?) => {
        Declared {
            name: $name,
            description: "a key from env",
            shapes: &[Shape::Env(EnvShape { vars: &[$($var),+] })],
        }
    };
}

const KEY: EnvVar = EnvVar {
    key: "ENVGOOD_KEY",
    sources: &["ENVGOOD_KEY", "ENVGOOD_OLD_KEY"],
    targets: &["ENVGOOD_KEY", "ENVGOOD_OLD_KEY"],
    required: true,
};
const URL: EnvVar = EnvVar::same(&["ENVGOOD_URL"], false);
const ORG: EnvVar = EnvVar::same(&["ENVGOOD_ORG"], false);

const GOOD: Declared = env_provider!("envgood", KEY, URL, ORG);
const REVERSED: Declared = env_provider!(
    "envgood-reversed",
    EnvVar {
        sources: &["ENVGOOD_OLD_KEY", "ENVGOOD_KEY"],
        ..KEY
    },
    URL,
    ORG,
);
const ONE_TARGET: Declared = env_provider!(
    "envgood-one-target",
    EnvVar {
        targets: &["ENVGOOD_KEY"],
        ..KEY
    },
    URL,
    ORG,
);
const NO_ORG: Declared = env_provider!("envgood-no-org", KEY, URL);
const ORG_REQUIRED: Declared = env_provider!(
    "envgood-org-required",
    KEY,
    URL,
    EnvVar {
        required: true,
        ..ORG
    },
);
const UNREGISTERED: Declared = env_provider!("envgood-unregistered", KEY, URL, ORG);

kt_secrets_core::register_provider!(GOOD);
kt_secrets_core::register_provider!(REVERSED);
kt_secrets_core::register_provider!(ONE_TARGET);
kt_secrets_core::register_provider!(NO_ORG);
kt_secrets_core::register_provider!(ORG_REQUIRED);

fn described(p: &Declared) -> EnvProvider<'_> {
    EnvProvider::new(p)
        .sources(&["ENVGOOD_KEY", "ENVGOOD_OLD_KEY"])
        .targets(&["ENVGOOD_KEY", "ENVGOOD_OLD_KEY"])
        .optional(&["ENVGOOD_URL", "ENVGOOD_ORG"])
}

/// The failures of `p` against the description; each must contain one of `expected`, and
/// each of `expected` must be in some failure.
async fn assert_fails_only_with(p: &Declared, expected: &[&str]) {
    let (_, failures) = described(p).check().await;
    for want in expected {
        assert!(
            failures.iter().any(|f| f.contains(want)),
            "expected a failure about {want:?}, got {failures:#?}"
        );
    }
    for f in &failures {
        assert!(
            expected.iter().any(|want| f.contains(want)),
            "unexpected failure {f:?}"
        );
    }
}

#[tokio::test]
async fn a_matching_declaration_passes() {
    let (passed, failures) = described(&GOOD).check().await;
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(passed > 40, "only {passed} checks ran");
}

#[tokio::test]
async fn reversed_precedence_is_caught() {
    assert_fails_only_with(
        &REVERSED,
        &[
            "ENVGOOD_KEY holds the value of ENVGOOD_OLD_KEY, want that of ENVGOOD_KEY",
            "origin of ENVGOOD_KEY is Some(Env(\"ENVGOOD_OLD_KEY\"))",
            "info() sources",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_missing_target_is_caught() {
    assert_fails_only_with(&ONE_TARGET, &["mounts [", "info() targets"]).await;
}

#[tokio::test]
async fn an_undeclared_optional_var_is_caught() {
    assert_fails_only_with(
        &NO_ORG,
        &[
            "data keys",
            "ENVGOOD_ORG holds the value of no planted var",
            "origin of ENVGOOD_ORG is None",
            "mounts [",
            "info() sources",
            "info() targets",
        ],
    )
    .await;
}

#[tokio::test]
async fn an_optional_var_declared_required_is_caught() {
    assert_fails_only_with(
        &ORG_REQUIRED,
        &[
            "did not resolve: provider envgood-org-required: nothing found",
            "info() sources",
        ],
    )
    .await;
}

#[tokio::test]
async fn an_unregistered_provider_is_caught() {
    assert_fails_only_with(&UNREGISTERED, &["registered: \"envgood-unregistered\""]).await;
}

#[tokio::test]
#[should_panic(expected = "provider envgood-reversed: 3 env-provider check(s) failed")]
async fn run_panics_with_the_failures() {
    described(&REVERSED).run().await;
}
