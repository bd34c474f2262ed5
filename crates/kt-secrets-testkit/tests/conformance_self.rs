//! The conformance suite passes a well-behaved provider and catches each kind of misbehaviour.

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, FileShape, FileSpec, Shape};
use kt_secrets_core::{Error, Mount, Origin, Provider, ProviderInfo, ResolveContext, Resolved};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::conformance::Conformance;

const GOOD: Declared = Declared {
    name: "good",
    description: "a token from env, else a key file",
    shapes: &[
        Shape::Env(EnvShape {
            vars: &[EnvVar::same(&["GOOD_TOKEN"], true)],
        }),
        Shape::Files(FileShape {
            dir: ".good",
            dir_env: &["GOOD_DIR"],
            files: &[FileSpec {
                name: "key",
                key: "key",
                env: None,
                target: "~/.good/key",
                mode: 0o600,
                primary: true,
            }],
            path_envs: &[("GOOD_KEY_FILE", "~/.good/key")],
        }),
    ],
};

fn env_home() -> FixtureHome {
    FixtureHome::new()
        .env("GOOD_TOKEN", "canary-env-7f3a")
        .canary("canary-env-7f3a")
}

fn file_home() -> FixtureHome {
    FixtureHome::new()
        .file(".good/key", "canary-file-91bc\n")
        .canary("canary-file-91bc")
}

fn suite(p: &dyn Provider) -> Conformance<'_> {
    Conformance::new(p)
        .found("env", env_home())
        .found("file", file_home())
        .unreadable("file", file_home(), "~/.good/key")
        .looks_at(&["env GOOD_TOKEN", "~/.good/key"])
}

#[tokio::test]
async fn a_good_provider_passes() {
    let (passed, failures) = suite(&GOOD).check().await;
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(passed > 20, "only {passed} checks ran");
}

/// Wraps GOOD and breaks one thing about it.
struct Broken(fn(&ResolveContext, Resolved) -> kt_secrets_core::Result<Resolved>);

#[async_trait::async_trait]
impl Provider for Broken {
    fn name(&self) -> &str {
        "broken"
    }
    fn info(&self) -> ProviderInfo {
        GOOD.info()
    }
    async fn resolve(&self, ctx: &ResolveContext) -> kt_secrets_core::Result<Resolved> {
        match GOOD.resolve(ctx).await {
            Ok(r) => (self.0)(ctx, r),
            Err(e) if e.is_nothing_found() => (self.0)(ctx, Resolved::new()).and(Err(e)),
            Err(e) => Err(e),
        }
    }
}

async fn failures_of(
    f: fn(&ResolveContext, Resolved) -> kt_secrets_core::Result<Resolved>,
) -> Vec<String> {
    let p = Broken(f);
    suite(&p).check().await.1
}

fn assert_caught(failures: &[String], what: &str) {
    assert!(
        failures.iter().any(|f| f.contains(what)),
        "expected a failure about {what:?}, got {failures:#?}"
    );
}

#[tokio::test]
async fn a_value_in_the_logs_is_caught() {
    let f = failures_of(|_, r| {
        for (k, v) in r.data.iter() {
            tracing::debug!("read {k} = {}", v.expose_str().unwrap_or(""));
        }
        Ok(r)
    })
    .await;
    assert_caught(&f, "logs holds no secret value");
}

#[tokio::test]
async fn a_mount_of_a_missing_key_is_caught() {
    let f = failures_of(|_, mut r| {
        r.mounts.push(Mount::env("OTHER", "no-such-key"));
        Ok(r)
    })
    .await;
    assert_caught(&f, "mounts are valid and their keys exist");
}

#[tokio::test]
async fn a_world_readable_secret_file_is_caught() {
    let f = failures_of(|_, mut r| {
        for m in &mut r.mounts {
            if let Mount::File { mode, .. } = m {
                *mode = 0o644;
            }
        }
        Ok(r)
    })
    .await;
    assert_caught(&f, "has no group/other bits");
}

#[tokio::test]
async fn a_relative_or_clashing_path_is_caught() {
    let f = failures_of(|_, mut r| {
        r.add("k2", "v", Origin::Literal)?;
        r.mounts.push(Mount::file("k2", "~/.good/key", 0o600));
        Ok(r)
    })
    .await;
    assert_caught(&f, "claimed twice");
}

#[tokio::test]
async fn skipping_a_broken_file_is_caught() {
    let lenient = Declared {
        name: "lenient",
        ..GOOD
    };
    struct Skips(Declared);
    #[async_trait::async_trait]
    impl Provider for Skips {
        fn name(&self) -> &str {
            self.0.name
        }
        fn info(&self) -> ProviderInfo {
            self.0.info()
        }
        async fn resolve(&self, ctx: &ResolveContext) -> kt_secrets_core::Result<Resolved> {
            match self.0.resolve(ctx).await {
                Err(Error::IsADirectory { .. }) | Err(Error::Unreadable { .. }) => {
                    let mut r = Resolved::new();
                    r.add_env("GOOD_TOKEN", "x", Origin::Literal)?;
                    Ok(r)
                }
                other => other,
            }
        }
    }
    let p = Skips(lenient);
    let f = suite(&p).check().await.1;
    assert_caught(&f, "the broken path was skipped");
}

#[tokio::test]
async fn nothing_found_that_omits_a_place_is_caught() {
    let p = Broken(|_, r| Ok(r));
    let f = Conformance::new(&p)
        .found("env", env_home())
        .looks_at(&["~/.somewhere/else"])
        .check()
        .await
        .1;
    assert_caught(&f, "error names ~/.somewhere/else");
}
