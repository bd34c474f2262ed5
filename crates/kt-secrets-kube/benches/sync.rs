//! `cargo bench -p kt-secrets-kube`: syncs 500 new secrets through the loopback API server one
//! at a time and with bounded concurrency, and prints both times and their ratio; then the
//! same 500 Secrets through the machine's `kubectl apply -f` against the same server, as the
//! same-run baseline.
//!
//! Each run writes into a namespace of its own, so every secret costs its full two requests
//! (read, create). Runs alternate between the two modes and the median of each is reported,
//! with no added latency (loopback, where the server's own work dominates) and with an
//! injected per-request delay standing in for a network round trip to a real API server.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use kt_secrets_core::Secret;
use kt_secrets_kube::{ApplyOutcome, SecretStore, manifest};
use kt_secrets_testkit::apiserver::{ApiServer, Fault};

const SECRETS: usize = 500;
const CONCURRENCY: usize = 16;
const ROUNDS: usize = 3;

/// Owner of the bench's objects (`kt.secret.bench.<name>`).
const OWNER: &str = "bench";

/// The 500 secrets; `generation` changes every value, so generation 1 after 0 is the
/// "changed" case.
fn secrets(generation: u32) -> Vec<Secret> {
    (0..SECRETS)
        .map(|i| {
            Secret::from_values(
                &format!("bench-{i:03}"),
                [
                    (
                        "API_KEY",
                        format!("bench-value-{generation}-{i:03}-{}", "x".repeat(40)),
                    ),
                    (
                        "settings.json",
                        format!("{{\"n\": {i}, \"generation\": {generation}}}"),
                    ),
                ],
            )
            .expect("a valid secret")
            // The changed case replaces data, which needs override (as `sync` implies it).
            .with_override_existing(true)
        })
        .collect()
}

async fn run(
    store: &SecretStore,
    secrets: &[Secret],
    concurrency: usize,
    want: ApplyOutcome,
) -> Duration {
    let started = Instant::now();
    let results = store.sync(secrets, concurrency).await;
    let elapsed = started.elapsed();
    for r in &results {
        assert_eq!(r.as_ref().expect("every secret syncs"), &want);
    }
    elapsed
}

/// One `kubectl apply -f` of `secrets` in namespace `ns`, as the objects the store writes
/// (same names, labels, annotations and data), from one JSON `List` file.
fn kubectl_apply(
    kubeconfig: &Path,
    scratch: &Path,
    secrets: &[Secret],
    ns: &str,
    want: &str,
) -> Duration {
    let items: Vec<serde_json::Value> = secrets
        .iter()
        .map(|s| {
            let mut obj = manifest::to_manifest(s, OWNER);
            obj.metadata.namespace = Some(ns.to_owned());
            let mut doc = serde_json::to_value(&obj).expect("serialise a Secret");
            doc["apiVersion"] = "v1".into();
            doc["kind"] = "Secret".into();
            doc
        })
        .collect();
    let file = scratch.join(format!("{ns}.json"));
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    std::fs::write(
        &file,
        serde_json::to_vec(&list).expect("serialise the List"),
    )
    .expect("write the manifests");
    let started = Instant::now();
    let out = kubectl(kubeconfig, scratch, &["apply", "-f", path_str(&file)]);
    let elapsed = started.elapsed();
    std::fs::remove_file(&file).expect("remove the manifests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout.lines().collect::<Vec<_>>();
    assert_eq!(lines.len(), SECRETS, "kubectl applied every secret");
    assert!(
        lines.iter().all(|l| l.ends_with(want)),
        "kubectl reported every secret {want}"
    );
    elapsed
}

/// kubectl against the loopback server with a private cache and HOME; panics (without
/// printing stdout, which names no values but is not needed) unless it succeeds.
fn kubectl(kubeconfig: &Path, scratch: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(scratch.join("cache"))
        .args(["--request-timeout", "60s"])
        .args(args)
        .env("HOME", scratch)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run kubectl ({e}): the baseline needs the machine's kubectl \
                 (Debian package kubectl, or a release binary from kubernetes.io)"
            )
        });
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let server = ApiServer::start().await;
        let base = SecretStore::from_kubeconfig(Some(server.kubeconfig_path()), None)
            .await
            .expect("store for the loopback server");
        let secrets = secrets(0);
        println!(
            "sync of {SECRETS} new secrets (2 requests each) through the loopback API server, \
             median of {ROUNDS} runs"
        );
        for latency_ms in [0u64, 2] {
            server.clear_faults();
            if latency_ms > 0 {
                server.inject(Fault::delay(Duration::from_millis(latency_ms)));
            }
            let (mut seq, mut conc) = (Vec::new(), Vec::new());
            for round in 0..ROUNDS {
                let ns = |mode: &str| format!("bench-{latency_ms}ms-{mode}-{round}");
                let created = ApplyOutcome::Created;
                seq.push(
                    run(
                        &base.clone().with_namespace(ns("seq")),
                        &secrets,
                        1,
                        created,
                    )
                    .await,
                );
                conc.push(
                    run(
                        &base.clone().with_namespace(ns("conc")),
                        &secrets,
                        CONCURRENCY,
                        created,
                    )
                    .await,
                );
            }
            let (seq, conc) = (median(seq), median(conc));
            println!(
                "  added latency {latency_ms} ms/request: sequential {:>8.1} ms, concurrency \
                 {CONCURRENCY} {:>8.1} ms, speed-up x{:.1}",
                seq.as_secs_f64() * 1e3,
                conc.as_secs_f64() * 1e3,
                seq.as_secs_f64() / conc.as_secs_f64()
            );
        }
        server.clear_faults();
        baseline(&server, &base, &secrets, &self::secrets(1)).await;
        println!("  requests served: {}", server.served());
    });
}

/// kt-secrets against `kubectl apply -f` of the same Secrets on the same server: new (absent),
/// unchanged (the same data again) and changed (every value differs), each in a namespace of
/// its own per round and tool, rounds alternating between the tools.
async fn baseline(server: &ApiServer, base: &SecretStore, first: &[Secret], second: &[Secret]) {
    let scratch = tempfile::tempdir().expect("scratch directory for kubectl");
    let kubeconfig = server.kubeconfig_path().to_owned();
    // Discovery and the OpenAPI document land in kubectl's cache, as on a user's machine.
    kubectl(
        &kubeconfig,
        scratch.path(),
        &["get", "secrets", "-n", "bench-warm"],
    );
    let cases = ["new", "unchanged", "changed"];
    let mut kt: [Vec<Duration>; 3] = Default::default();
    let mut kc: [Vec<Duration>; 3] = Default::default();
    for round in 0..ROUNDS {
        let store = base.clone().with_namespace(format!("bench-kt-{round}"));
        let c = CONCURRENCY;
        kt[0].push(run(&store, first, c, ApplyOutcome::Created).await);
        kt[1].push(run(&store, first, c, ApplyOutcome::Unchanged).await);
        kt[2].push(run(&store, second, c, ApplyOutcome::Replaced).await);
        let ns = format!("bench-kubectl-{round}");
        let dir = scratch.path();
        // kubectl blocks; the server runs on this runtime's other workers meanwhile.
        let (a, b, d) = tokio::task::block_in_place(|| {
            (
                kubectl_apply(&kubeconfig, dir, first, &ns, "created"),
                kubectl_apply(&kubeconfig, dir, first, &ns, "unchanged"),
                kubectl_apply(&kubeconfig, dir, second, &ns, "configured"),
            )
        });
        kc[0].push(a);
        kc[1].push(b);
        kc[2].push(d);
    }
    println!(
        "{SECRETS} secrets, kt-secrets (SecretStore::sync, concurrency {CONCURRENCY}) against \
         `kubectl apply -f` of the same objects (one List file, one process), same server, \
         median of {ROUNDS} runs"
    );
    for (i, case) in cases.iter().enumerate() {
        let (k, c) = (median(kt[i].clone()), median(kc[i].clone()));
        println!(
            "  {case:<9}: kt-secrets {:>8.1} ms, kubectl {:>8.1} ms, kubectl/kt-secrets x{:.1}",
            ms(k),
            ms(c),
            c.as_secs_f64() / k.as_secs_f64()
        );
    }
}
