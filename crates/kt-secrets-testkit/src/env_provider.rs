//! The behaviour every provider made of one
//! [`EnvShape`](kt_secrets_core::shapes::EnvShape) shares (an API key read from env vars in
//! precedence order, optional vars passed along under their own names), checked against a
//! description the test writes out by hand rather than one read from the provider's own
//! declaration, so that a wrong declaration fails.
//!
//! ```no_run
//! # async fn t(provider: &dyn kt_secrets_core::Provider) {
//! use kt_secrets_testkit::env_provider::EnvProvider;
//! EnvProvider::new(provider)
//!     .sources(&["CO_API_KEY", "COHERE_API_KEY"])
//!     .targets(&["CO_API_KEY", "COHERE_API_KEY"])
//!     .optional(&["CO_API_URL"])
//!     .run()
//!     .await;
//! # }
//! ```
//!
//! Checks: each source, set with every later one, wins, and earlier sources that are unset or
//! set but empty do not stop it; the data holds the required value under the first source's
//! name, with an origin naming the source it came from; each optional var comes along under its
//! own name when set (alone or with the others) and is left out when empty; the mounts are
//! exactly the targets, then the optional vars set, in order; with every source unset or empty
//! (optional vars set or not) the error is "nothing found" naming every source; `info()` lists
//! the sources and targets; the provider is in `Registry::builtin()`.

use kt_secrets_core::{Mount, Origin, Provider, Registry, Resolved};

use crate::fixture::FixtureHome;

/// A description of an env-var provider to check. Build it up, then
/// [`run`](EnvProvider::run) it.
pub struct EnvProvider<'a> {
    provider: &'a dyn Provider,
    sources: Vec<&'a str>,
    targets: Vec<&'a str>,
    optional: Vec<&'a str>,
}

impl std::fmt::Debug for EnvProvider<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvProvider")
            .field("provider", &self.provider.name())
            .field("sources", &self.sources)
            .field("targets", &self.targets)
            .field("optional", &self.optional)
            .finish()
    }
}

/// What each planted env var holds: distinct per var, so a value found tells which var it
/// came from. Never printed: a mismatch is reported by the name of the var whose value it is.
fn planted(var: &str) -> String {
    format!("planted-in-{var}")
}

impl<'a> EnvProvider<'a> {
    /// The checks for `provider`, which must be made of env vars only.
    pub fn new(provider: &'a dyn Provider) -> Self {
        EnvProvider {
            provider,
            sources: Vec::new(),
            targets: Vec::new(),
            optional: Vec::new(),
        }
    }

    /// The local env vars of the required value, first set one wins. The first also names
    /// the value's data key.
    pub fn sources(mut self, vars: &[&'a str]) -> Self {
        self.sources.extend_from_slice(vars);
        self
    }

    /// The container env vars that receive the required value, in mount order.
    pub fn targets(mut self, vars: &[&'a str]) -> Self {
        self.targets.extend_from_slice(vars);
        self
    }

    /// Optional env vars, each read from and given to the container under its own name.
    pub fn optional(mut self, vars: &[&'a str]) -> Self {
        self.optional.extend_from_slice(vars);
        self
    }

    /// Runs every check and panics with the list of failures, if any.
    pub async fn run(self) {
        let name = self.provider.name().to_owned();
        let (passed, failures) = self.check().await;
        assert!(
            failures.is_empty(),
            "provider {name}: {} env-provider check(s) failed ({passed} passed):\n  - {}",
            failures.len(),
            failures.join("\n  - ")
        );
        eprintln!("provider {name}: {passed} env-provider checks passed");
    }

    /// Runs every check; returns how many passed and a line per failure.
    pub async fn check(&self) -> (usize, Vec<String>) {
        let mut out = Outcome::default();
        if self.sources.is_empty() || self.targets.is_empty() {
            out.failures
                .push("the description names no source or no target".to_owned());
            return (out.passed, out.failures);
        }
        self.check_precedence(&mut out).await;
        self.check_optional(&mut out).await;
        self.check_nothing_found(&mut out).await;
        self.check_listing(&mut out);
        (out.passed, out.failures)
    }

    async fn check_precedence(&self, out: &mut Outcome) {
        for (i, winner) in self.sources.iter().enumerate() {
            let (earlier, rest) = self.sources.split_at(i);
            self.expect_found(
                out,
                &format!("sources {rest:?} set"),
                plant(FixtureHome::new(), rest),
                winner,
                &[],
            )
            .await;
            if !earlier.is_empty() {
                let home = plant(empty(FixtureHome::new(), earlier), rest);
                self.expect_found(
                    out,
                    &format!("sources {earlier:?} empty, {rest:?} set"),
                    home,
                    winner,
                    &[],
                )
                .await;
            }
        }
    }

    async fn check_optional(&self, out: &mut Outcome) {
        if self.optional.is_empty() {
            return;
        }
        let first = self.sources[0];
        let all = plant(FixtureHome::new(), &[first]);
        let all = plant(all, &self.optional);
        self.expect_found(out, "every optional var set", all, first, &self.optional)
            .await;
        for (i, v) in self.optional.iter().enumerate() {
            let others: Vec<&str> = (self.optional.iter().enumerate())
                .filter(|(j, _)| *j != i)
                .map(|(_, o)| *o)
                .collect();
            let home = empty(plant(FixtureHome::new(), &[first, v]), &others);
            self.expect_found(
                out,
                &format!("optional {v} set, the others set but empty"),
                home,
                first,
                &[v],
            )
            .await;
        }
        let home = empty(plant(FixtureHome::new(), &[first]), &self.optional);
        self.expect_found(out, "every optional var empty", home, first, &[])
            .await;
    }

    async fn check_nothing_found(&self, out: &mut Outcome) {
        let mut homes = vec![
            ("nothing set", FixtureHome::new()),
            (
                "every source set but empty",
                empty(FixtureHome::new(), &self.sources),
            ),
        ];
        if !self.optional.is_empty() {
            homes.push((
                "optional vars set, sources unset",
                plant(FixtureHome::new(), &self.optional),
            ));
            homes.push((
                "optional vars set, sources set but empty",
                plant(empty(FixtureHome::new(), &self.sources), &self.optional),
            ));
        }
        for (label, home) in homes {
            let e = match self.provider.resolve(&home.context()).await {
                Ok(r) => {
                    out.fail(
                        label,
                        format!("resolved keys {:?}", r.data.keys().collect::<Vec<_>>()),
                    );
                    continue;
                }
                Err(e) => e,
            };
            let msg = e.to_string();
            out.expect(label, e.is_nothing_found(), || {
                format!("not nothing found: {msg}")
            });
            for s in &self.sources {
                out.expect(label, msg.contains(&format!("env {s}")), || {
                    format!("error does not name env {s}: {msg}")
                });
            }
        }
    }

    fn check_listing(&self, out: &mut Outcome) {
        let info = self.provider.info();
        let mut sources = vec![format!("env {}", self.sources.join(" | "))];
        sources.extend(self.optional.iter().map(|v| format!("env {v} (optional)")));
        out.expect("info() sources", info.sources == sources, || {
            format!("{:?}, want {sources:?}", info.sources)
        });
        let targets: Vec<String> = (self.targets.iter().chain(&self.optional))
            .map(|t| format!("env {t}"))
            .collect();
        out.expect("info() targets", info.targets == targets, || {
            format!("{:?}, want {targets:?}", info.targets)
        });
        let name = self.provider.name();
        match Registry::builtin() {
            Ok(r) => out.expect("registered", r.contains(name), || {
                format!("{name:?} is not in Registry::builtin()")
            }),
            Err(e) => out.fail("registered", format!("Registry::builtin(): {e}")),
        }
    }

    /// Resolves `home` and expects the required value from `winner` and exactly the optional
    /// vars `optional_set`.
    async fn expect_found(
        &self,
        out: &mut Outcome,
        label: &str,
        home: FixtureHome,
        winner: &str,
        optional_set: &[&str],
    ) {
        let r = match self.provider.resolve(&home.context()).await {
            Ok(r) => r,
            Err(e) => return out.fail(label, format!("did not resolve: {e}")),
        };
        let key = self.sources[0];
        let mut keys: Vec<&str> = [key].iter().chain(optional_set).copied().collect();
        keys.sort_unstable();
        let got: Vec<&str> = r.data.keys().collect();
        out.expect(label, got == keys, || {
            format!("data keys {got:?}, want {keys:?}")
        });
        self.expect_value(out, label, &r, key, winner);
        for v in optional_set {
            self.expect_value(out, label, &r, v, v);
        }
        let mut mounts: Vec<Mount> = self.targets.iter().map(|t| Mount::env(*t, key)).collect();
        mounts.extend(optional_set.iter().map(|v| Mount::env(*v, *v)));
        out.expect(label, r.mounts == mounts, || {
            format!("mounts {:?}, want {mounts:?}", r.mounts)
        });
    }

    fn expect_value(&self, out: &mut Outcome, label: &str, r: &Resolved, key: &str, from: &str) {
        let got = r.data.get(key).map(|v| v.expose());
        out.expect(label, got == Some(planted(from).as_bytes()), || {
            let whose = (self.sources.iter().chain(&self.optional))
                .find(|v| got == Some(planted(v).as_bytes()))
                .map_or("no planted var".to_owned(), |v| (*v).to_owned());
            format!("{key} holds the value of {whose}, want that of {from}")
        });
        let origin = r.origins.get(key);
        let want = Origin::Env(from.to_owned());
        out.expect(label, origin == Some(&want), || {
            format!("origin of {key} is {origin:?}, want {want:?}")
        });
    }
}

fn plant(home: FixtureHome, vars: &[&str]) -> FixtureHome {
    vars.iter().fold(home, |h, v| h.env(*v, planted(v)))
}

fn empty(home: FixtureHome, vars: &[&str]) -> FixtureHome {
    vars.iter().fold(home, |h, v| h.env(*v, ""))
}

#[derive(Default)]
struct Outcome {
    passed: usize,
    failures: Vec<String>,
}

impl Outcome {
    fn expect(&mut self, label: &str, ok: bool, why: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.fail(label, why());
        }
    }

    fn fail(&mut self, label: &str, why: String) {
        self.failures.push(format!("{label}: {why}"));
    }
}
