//! Python Kubetorch 0.5.1's own code and kt-secrets on one (loopback) cluster, both ways.
//!
//! Kubetorch runs from the test venv (`.ci/requirements.txt` pins it) through
//! `tests/kubetorch/harness.py`: its `Secret` constructors, `create_or_update_secret` and the
//! pod template `kt.Compute(secrets=[...])` builds. Only the kubetorch controller, the
//! in-cluster relay its client talks to, is stood in for (see the harness). Objects one tool
//! wrote are mounted by the other, and what the container would see (env var → value, file
//! path → content) is compared with what the writer's own pod shows.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use kt_secrets::k8s_openapi::api::core::v1::Secret as KubeSecret;
use kt_secrets::kube::kube;
use kt_secrets::{Compute, Registry, ResolveContext, Secret, SecretRef, SecretStore};
use kt_secrets_testkit::FixtureHome;
use kt_secrets_testkit::apiserver::{ApiServer, DEFAULT_NAMESPACE};
use serde_json::{Value, json};

const CANARY: &str = "canary-kt13";

/// The venv's python: `$KT_SECRETS_TEST_PYTHON`, else `<target dir>/py-venv/bin/python`.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("KT_SECRETS_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let py = tmp
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target dir")
        .join("py-venv/bin/python");
    assert!(
        py.exists(),
        "{} is missing: the Kubetorch interop tests run Kubetorch's own code from the test \
         venv; create it with `bash .ci/venv.sh` (cargo xtask test does)",
        py.display()
    );
    py
}

fn harness() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kubetorch/harness.py")
}

/// One machine with credentials for every case, in the formats and places both tools read.
fn machine() -> FixtureHome {
    FixtureHome::new()
        .env("LOCAL_API_KEY_VAR", format!("{CANARY}-env"))
        // Kubetorch's from_env reads the env var named by the secret key, not the one mapped
        // to it (kubetorch/resources/secrets/secret.py, Secret._values_from_env).
        .env("API_KEY", format!("{CANARY}-env"))
        .env("OPENAI_API_KEY", format!("sk-{CANARY}-openai"))
        .file(
            ".aws/credentials",
            format!(
                "[default]\naws_access_key_id = AKIA{CANARY}\naws_secret_access_key = {CANARY}-aws\n"
            ),
        )
        .file(".aws/config", "[default]\nregion = eu-west-1\n")
        .file(
            ".config/gcloud/application_default_credentials.json",
            format!(
                "{{\"type\": \"authorized_user\", \"client_id\": \"id\", \"client_secret\": \
                 \"{CANARY}-gcp\", \"refresh_token\": \"{CANARY}-refresh\"}}\n"
            ),
        )
        .file(".ssh/id_rsa", format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{CANARY}-ssh\n"))
        .file_mode(".ssh/id_rsa.pub", "ssh-rsa AAAA me@laptop\n", 0o644)
        .file(".cache/huggingface/token", format!("hf_{CANARY}\n"))
        .file(".my-app/config.json", format!("{{\"password\": \"{CANARY}-path\"}}\n"))
        .canary(CANARY)
}

/// A loopback cluster, the machine, and the user name both tools run under.
struct World {
    server: ApiServer,
    home: FixtureHome,
    username: Option<&'static str>,
    registry: Registry,
}

impl World {
    async fn new(username: Option<&'static str>) -> World {
        World {
            server: ApiServer::start().await,
            home: machine(),
            username,
            registry: Registry::global().expect("registry").clone(),
        }
    }

    fn ctx(&self) -> ResolveContext {
        let ctx = self.home.context();
        match self.username {
            Some(u) => ctx.with_env("KT_USERNAME", u),
            None => ctx,
        }
    }

    fn owner(&self) -> String {
        kt_secrets::kube::manifest::owner_from(self.username)
    }

    async fn store(&self) -> SecretStore {
        SecretStore::from_kubeconfig(Some(self.server.kubeconfig_path()), None)
            .await
            .expect("store for the loopback server")
            .with_owner(self.owner())
    }

    /// Runs `ops` through Kubetorch's code, as the machine's user.
    async fn kubetorch(&self, ops: Value) -> Vec<Value> {
        let out = tempfile::NamedTempFile::new().unwrap();
        let input = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(input.path(), serde_json::to_vec(&ops).unwrap()).unwrap();
        let mut cmd = tokio::process::Command::new(python());
        cmd.arg(harness())
            .arg(out.path())
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.home.root())
            .env("KUBECONFIG", self.server.kubeconfig_path())
            .env("KT_NAMESPACE", DEFAULT_NAMESPACE)
            .envs(self.home.env_map())
            .stdin(std::fs::File::open(input.path()).unwrap())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        if let Some(u) = self.username {
            cmd.env("KT_USERNAME", u);
        }
        let child = cmd.spawn().expect("run the Kubetorch harness");
        let done = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
            .await
            .expect("the Kubetorch harness finished within 120 s")
            .unwrap();
        assert!(
            done.status.success(),
            "the harness failed: {}\n{}",
            String::from_utf8_lossy(&done.stdout),
            String::from_utf8_lossy(&done.stderr)
        );
        serde_json::from_slice(&std::fs::read(out.path()).unwrap()).expect("harness results")
    }

    /// Every Secret object in the namespace, by name: data key → value.
    async fn objects(&self) -> BTreeMap<String, BTreeMap<String, Vec<u8>>> {
        let api: kube::Api<KubeSecret> =
            kube::Api::namespaced(self.server.backend(), DEFAULT_NAMESPACE);
        let list = api.list(&Default::default()).await.unwrap();
        list.items
            .into_iter()
            .map(|s| {
                let data = s
                    .data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.0))
                    .collect();
                (s.metadata.name.unwrap(), data)
            })
            .collect()
    }

    /// Our pod for `secrets` (names resolve as `render --secret` resolves them), its view,
    /// and the objects it reads.
    async fn our_pod(&self, secrets: Vec<SecretRef>) -> (View, Vec<String>) {
        let store = self.store().await;
        let resolved = Compute::new()
            .with_secrets(secrets.clone())
            .resolve(&self.registry, &self.ctx(), Some(&store))
            .await
            .unwrap_or_else(|e| panic!("our pod for {secrets:?}: {e}"));
        let managed: Vec<Secret> = resolved.managed_secrets().cloned().collect();
        for r in store.sync(&managed, 2).await {
            r.unwrap_or_else(|e| panic!("applying {secrets:?}: {e}"));
        }
        let spec = serde_json::to_value(resolved.pod().spec.unwrap()).unwrap();
        // A secret of env vars and files is two objects (kt_secrets::kube::pair).
        let names = resolved
            .secrets()
            .iter()
            .flat_map(|m| [Some(m.object_name.clone()), m.env_object_name.clone()])
            .flatten()
            .collect();
        (container_view(&spec, &self.objects().await), names)
    }

    /// Kubetorch's pod for `specs`, and its view.
    async fn kubetorch_pod(&self, specs: Vec<Value>) -> View {
        let r = self
            .kubetorch(json!([{"op": "pod", "secrets": specs}]))
            .await;
        assert_eq!(r[0]["ok"], true, "Kubetorch's pod: {}", r[0]);
        container_view(&r[0]["pod_spec"], &self.objects().await)
    }
}

/// What the container sees of its secrets: env vars read from Secrets, files from secret
/// volumes (path → content and mode), and what would stop the pod from being created or
/// started.
#[derive(Debug, Default, PartialEq, Eq)]
struct View {
    env: BTreeMap<String, String>,
    files: BTreeMap<String, (String, u32)>,
    problems: Vec<String>,
}

impl View {
    /// Path → content: Kubetorch sets no modes on secret volumes, so modes do not cross.
    /// Our live copies under /var/run/kt-secrets/ (for SDKs that follow an env var to their
    /// file) are left out: Kubetorch has no such thing, and the fixed-path files hold the same.
    fn contents(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .filter(|(p, _)| !p.starts_with("/var/run/kt-secrets/"))
            .map(|(p, (c, _))| (p.clone(), c.clone()))
            .collect()
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// The first container's view of `spec`, with `objects` as the cluster's Secrets, as the
/// kubelet builds it: `secretKeyRef` env vars; secret volumes with their `items` (or every
/// key), modes (`items[].mode`, else `defaultMode`, else 0644), mounted whole at
/// `mountPath` or one file with `subPath`.
fn container_view(spec: &Value, objects: &BTreeMap<String, BTreeMap<String, Vec<u8>>>) -> View {
    let mut view = View::default();
    let text = |b: &Vec<u8>| String::from_utf8_lossy(b).into_owned();
    let c = &spec["containers"][0];
    for e in c["env"].as_array().into_iter().flatten() {
        let Some(r) = e.pointer("/valueFrom/secretKeyRef") else {
            continue;
        };
        let (obj, key) = (r["name"].as_str().unwrap(), r["key"].as_str().unwrap());
        match objects.get(obj).and_then(|d| d.get(key)) {
            Some(v) => {
                view.env
                    .insert(e["name"].as_str().unwrap().to_owned(), text(v));
            }
            None => view
                .problems
                .push(format!("env {} reads missing {obj}/{key}", e["name"])),
        }
    }
    let mut volumes: BTreeMap<String, Vec<(String, String, u32)>> = BTreeMap::new();
    for v in spec["volumes"].as_array().into_iter().flatten() {
        let name = v["name"].as_str().unwrap();
        let Some(s) = v.get("secret") else { continue };
        if !is_dns_label(name) {
            view.problems
                .push(format!("volume name {name:?} is not a DNS-1123 label"));
        }
        let obj = s["secretName"].as_str().unwrap();
        let Some(data) = objects.get(obj) else {
            view.problems
                .push(format!("volume {name} reads missing {obj}"));
            continue;
        };
        let default = s["defaultMode"].as_u64().unwrap_or(0o644) as u32;
        let items: Vec<(String, String, u32)> = match s["items"].as_array() {
            Some(items) => items
                .iter()
                .map(|i| {
                    let key = i["key"].as_str().unwrap();
                    let mode = i["mode"].as_u64().map_or(default, |m| m as u32);
                    (i["path"].as_str().unwrap().to_owned(), key.to_owned(), mode)
                })
                .collect(),
            None => data
                .keys()
                .map(|k| (k.clone(), k.clone(), default))
                .collect(),
        };
        let items = items
            .into_iter()
            .filter_map(|(path, key, mode)| match data.get(&key) {
                Some(v) => Some((path, text(v), mode)),
                None => {
                    view.problems
                        .push(format!("volume {name} reads missing {obj}/{key}"));
                    None
                }
            })
            .collect();
        volumes.insert(name.to_owned(), items);
    }
    for m in c["volumeMounts"].as_array().into_iter().flatten() {
        let Some(items) = volumes.get(m["name"].as_str().unwrap()) else {
            continue;
        };
        let at = m["mountPath"].as_str().unwrap().trim_end_matches('/');
        match m["subPath"].as_str() {
            Some(sub) => {
                if let Some((_, content, mode)) = items.iter().find(|(p, _, _)| p == sub) {
                    view.files.insert(at.to_owned(), (content.clone(), *mode));
                }
            }
            None => {
                for (p, content, mode) in items {
                    view.files
                        .insert(format!("{at}/{p}"), (content.clone(), *mode));
                }
            }
        }
    }
    view
}

/// The cases: our constructor and Kubetorch's for the same credentials.
const CASES: &[&str] = &[
    "env",
    "path",
    "mixed",
    "aws",
    "gcp",
    "ssh",
    "huggingface",
    "openai",
];

fn mixed_values() -> [(&'static str, String); 2] {
    [
        ("API_TOKEN", format!("{CANARY}-token")),
        (
            "ca.pem",
            format!("-----BEGIN CERTIFICATE-----\n{CANARY}-ca\n"),
        ),
    ]
}

async fn ours(world: &World, case: &str) -> SecretRef {
    let ctx = world.ctx();
    match case {
        "env" => Secret::from_env_in(&ctx, "my-api-key", [("API_KEY", "LOCAL_API_KEY_VAR")])
            .unwrap()
            .into(),
        "path" => Secret::from_path_in(
            &world.registry,
            &ctx,
            &world.home.path(".my-app/config.json"),
            Some("app-config"),
        )
        .await
        .unwrap()
        .into(),
        "mixed" => Secret::from_values("mixed", mixed_values()).unwrap().into(),
        provider => provider.into(),
    }
}

fn theirs(case: &str) -> Value {
    match case {
        "env" => json!({"env_vars": {"API_KEY": "LOCAL_API_KEY_VAR"}, "name": "my-api-key"}),
        "path" => json!({"path": "~/.my-app/config.json", "name": "app-config"}),
        "mixed" => json!({"values": BTreeMap::from(mixed_values()), "name": "mixed"}),
        provider => json!({"provider": provider}),
    }
}

/// Our mixed secret as a Kubetorch user writes its pair: a volume secret of the file
/// (`Secret(values=..., path=...)`) and an env secret of the env var, each of one mount type as
/// Kubetorch's model has them.
fn theirs_pair() -> [Value; 2] {
    let [(env_key, env_value), (file, content)] = mixed_values();
    [
        json!({"values": {file: content}, "path": format!("/secrets/mixed/{file}"), "name": "mixed"}),
        json!({"values": {env_key: env_value}, "name": "mixed-env"}),
    ]
}

fn mounted_the_same(case: &str, user: Option<&str>, reader: &View, writer: &View) {
    assert_eq!(reader.env, writer.env, "{case} {user:?}: env vars");
    assert_eq!(
        reader.contents(),
        writer.contents(),
        "{case} {user:?}: files"
    );
}

/// Kubetorch writes with its own constructors and `create_or_update_secret`; our pod of that
/// object shows what Kubetorch's own pod shows. Then our refresh of it: the same credentials
/// pass, other data is refused naming Kubetorch, the keys and the replace command.
#[tokio::test]
async fn kubetorch_writes_we_mount_and_refresh() {
    for user in [None, Some("alice")] {
        for case in CASES {
            let w = World::new(user).await;
            let r = w
                .kubetorch(json!([{"op": "create_or_update", "secret": theirs(case)}]))
                .await;
            if *case == "openai" {
                // Kubetorch reads os.environ["api_key"] for its openai provider
                // (Secret._values_from_env iterates the mapping's keys): with OPENAI_API_KEY
                // set, as the SDK wants, it cannot create the secret at all.
                assert_eq!(r[0]["ok"], false);
                assert!(
                    r[0]["error"]
                        .as_str()
                        .unwrap()
                        .starts_with("KeyError: 'api_key'"),
                    "{}",
                    r[0]["error"]
                );
                continue;
            }
            assert_eq!(r[0]["ok"], true, "{case} {user:?}: {}", r[0]["error"]);
            let object = r[0]["object"].as_str().unwrap().to_owned();
            let theirs_view = w.kubetorch_pod(vec![theirs(case)]).await;
            assert!(theirs_view.problems.is_empty(), "{theirs_view:?}");
            // Kubetorch's own `from_name` finds its object back under its name.
            let back = w
                .kubetorch_pod(vec![json!({"from_name": r[0]["name"]})])
                .await;
            if *case != "mixed" {
                mounted_the_same(case, user, &back, &theirs_view);
            }

            let (ours_view, _) = w.our_pod(vec![SecretRef::from(object.as_str())]).await;
            assert!(ours_view.problems.is_empty(), "{ours_view:?}");
            if *case == "mixed" {
                // Kubetorch labels a values secret `env` and mounts every key as an env var,
                // `ca.pem` too, and only through from_name (its own Secret(values=...) mounts
                // nothing). We mount the key that is no env var name as a file instead.
                assert_eq!(theirs_view, View::default());
                assert_eq!(back.env.len(), 2, "{back:?}");
                assert_eq!(ours_view.env["API_TOKEN"], back.env["API_TOKEN"]);
                assert_eq!(ours_view.env.len(), 1, "{ours_view:?}");
                assert!(ours_view.files.contains_key("/secrets/mixed/ca.pem"));
            } else {
                mounted_the_same(case, user, &ours_view, &theirs_view);
                assert!(!ours_view.env.is_empty() || !ours_view.files.is_empty());
            }

            // Our refresh (render --secret P, or the same secret again) of Kubetorch's object.
            let store = w.store().await;
            let mine = match ours(&w, case).await {
                SecretRef::Secret(s) => *s,
                SecretRef::Name(p) => Secret::from_provider_in(&w.registry, &w.ctx(), &p, None)
                    .await
                    .unwrap(),
            };
            assert_eq!(
                store.object_name_of(&mine),
                object,
                "{case} {user:?}: we name the object as Kubetorch does"
            );
            if *case == "ssh" {
                refresh_with_another_key_is_refused(&w, &store, &object).await;
            }
            // The same credentials: every case (ssh too, since neither ships `id_rsa.pub`).
            store
                .apply(&mine)
                .await
                .unwrap_or_else(|e| panic!("{case} {user:?}: {e}"));
            if *case == "mixed" {
                // Refreshed, Kubetorch's one object is our pair, which Kubetorch mounts as we do.
                let (ours_view, objects) = w.our_pod(vec![SecretRef::from("mixed")]).await;
                assert_eq!(objects, [object.clone(), format!("{object}-env")]);
                let specs = objects.iter().map(|n| json!({"from_name": n})).collect();
                let theirs_view = w.kubetorch_pod(specs).await;
                mounted_the_same(case, user, &theirs_view, &ours_view);
                let back = store.get("mixed").await.unwrap();
                assert_eq!(back, mine.clone().with_namespace(DEFAULT_NAMESPACE));
            }
        }
    }
}

/// Another machine's key over Kubetorch's ssh object is refused, naming Kubetorch, the key
/// that differs and the command that replaces it, and no value.
async fn refresh_with_another_key_is_refused(w: &World, store: &SecretStore, object: &str) {
    let other = FixtureHome::new()
        .file(
            ".ssh/id_rsa",
            format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{CANARY}-other\n"),
        )
        .canary(CANARY);
    let mut ctx = other.context();
    if let Some(u) = w.username {
        ctx = ctx.with_env("KT_USERNAME", u);
    }
    let theirs = Secret::from_provider_in(&w.registry, &ctx, "ssh", None)
        .await
        .unwrap();
    let e = store.apply(&theirs).await.unwrap_err();
    let msg = e.to_string();
    match &e {
        kt_secrets::kube::Error::DataDiffers { keys, writer, .. } => {
            assert_eq!(&keys[..], ["id_rsa"], "{msg}");
            assert_eq!(*writer, kt_secrets::kube::Writer::Kubetorch, "{msg}");
        }
        other => panic!("ssh {:?}: {other}", w.username),
    }
    let replace = "kt-secrets create --provider ssh -n default --override";
    assert!(msg.contains(replace) && msg.contains(object), "{msg}");
    assert!(msg.contains("written by Python Kubetorch"), "{msg}");
    assert!(!msg.contains(CANARY), "{msg}");
}

/// We write; Kubetorch's pod of our object (through its own `from_name`) shows what ours
/// shows. Then Kubetorch's refresh of it with its own constructor.
#[tokio::test]
async fn we_write_kubetorch_mounts_and_refreshes() {
    for user in [None, Some("alice")] {
        for case in CASES {
            let w = World::new(user).await;
            let (ours_view, objects) = w.our_pod(vec![ours(&w, case).await]).await;
            assert!(ours_view.problems.is_empty(), "{ours_view:?}");
            let kubetorch_name = w
                .kubetorch(json!([{"op": "describe", "secret": theirs(case)}]))
                .await;
            if *case != "openai" {
                // The object Kubetorch would write for the same secret is ours; a mixed secret
                // is two (kt_secrets::kube::pair), the env vars' one named with `-env`.
                let object = kubetorch_name[0]["object"].as_str().unwrap().to_owned();
                let want = match *case {
                    "mixed" => vec![object.clone(), format!("{object}-env")],
                    _ => vec![object],
                };
                assert_eq!(objects, want, "{case} {user:?}");
            }
            let specs = objects.iter().map(|n| json!({"from_name": n})).collect();
            let theirs_view = w.kubetorch_pod(specs).await;
            // Nothing turns into a stray file: a mixed secret's env var is not in its volume.
            mounted_the_same(case, user, &theirs_view, &ours_view);
            if *case == "mixed" {
                let refresh: Vec<Value> = theirs_pair()
                    .into_iter()
                    .map(|s| json!({"op": "create_or_update", "secret": s}))
                    .collect();
                for r in w.kubetorch(Value::Array(refresh)).await {
                    assert_eq!(r["ok"], true, "{case} {user:?}: {r}");
                }
                // Kubetorch's refresh kept what our from_name reads back.
                let mine = match ours(&w, case).await {
                    SecretRef::Secret(s) => *s,
                    SecretRef::Name(_) => unreachable!("mixed is a Secret"),
                };
                let back = w.store().await.get("mixed").await.unwrap();
                assert_eq!(back, mine.with_namespace(DEFAULT_NAMESPACE));
                // Its one-object `Secret(values=...)` of both keys is refused: Kubetorch's model
                // has no secret of env vars and files (`update_secret` compares one object).
                let r = w
                    .kubetorch(json!([{"op": "create_or_update", "secret": theirs(case)}]))
                    .await;
                assert!(
                    r[0]["error"]
                        .as_str()
                        .unwrap()
                        .contains("exists with different values"),
                    "{case} {user:?}: {}",
                    r[0]
                );
                continue;
            }

            let r = w
                .kubetorch(json!([{"op": "create_or_update", "secret": theirs(case)}]))
                .await;
            match *case {
                "openai" => assert!(
                    r[0]["error"]
                        .as_str()
                        .unwrap()
                        .starts_with("KeyError: 'api_key'"),
                    "{}",
                    r[0]
                ),
                _ => assert_eq!(r[0]["ok"], true, "{case} {user:?}: {}", r[0]),
            }
        }
    }
}

/// `render --secret aws` on a machine without AWS credentials mounts the cluster's object for
/// the provider (here Kubetorch's), and says so; without a cluster it is "nothing found".
#[tokio::test]
async fn a_provider_with_nothing_local_uses_the_clusters_object() {
    for user in [None, Some("alice")] {
        let w = World::new(user).await;
        let r = w
            .kubetorch(json!([{"op": "create_or_update", "secret": {"provider": "aws"}}]))
            .await;
        assert_eq!(r[0]["ok"], true, "{}", r[0]);
        let object = r[0]["object"].as_str().unwrap();
        let theirs_view = w.kubetorch_pod(vec![json!({"provider": "aws"})]).await;

        let runner = FixtureHome::new();
        let mut ctx = runner.context();
        if let Some(u) = user {
            ctx = ctx.with_env("KT_USERNAME", u);
        }
        let store = w.store().await;
        let compute = Compute::new().with_secrets(["aws"]);
        let resolved = compute
            .resolve(&w.registry, &ctx, Some(&store))
            .await
            .unwrap();
        assert_eq!(resolved.notes().len(), 1, "{:?}", resolved.notes());
        assert!(
            resolved.notes()[0].contains(object),
            "{:?}",
            resolved.notes()
        );
        assert_eq!(resolved.managed_secrets().count(), 0, "nothing to write");
        let spec = serde_json::to_value(resolved.pod().spec.unwrap()).unwrap();
        let view = container_view(&spec, &w.objects().await);
        mounted_the_same("aws", user, &view, &theirs_view);

        let e = compute.resolve(&w.registry, &ctx, None).await.unwrap_err();
        assert!(
            matches!(&e, kt_secrets::kube::ComputeError::Secret(c) if c.is_nothing_found()),
            "{e}"
        );
    }
}
