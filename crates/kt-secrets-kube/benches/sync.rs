//! `cargo bench -p kt-secrets-kube`: syncs 500 new secrets through the loopback API server one
//! at a time and with bounded concurrency, and prints both times and their ratio.
//!
//! Each run writes into a namespace of its own, so every secret costs its full two requests
//! (read, create). Runs alternate between the two modes and the median of each is reported,
//! with no added latency (loopback, where the server's own work dominates) and with an
//! injected per-request delay standing in for a network round trip to a real API server.

use std::time::{Duration, Instant};

use kt_secrets_core::Secret;
use kt_secrets_kube::{ApplyOutcome, SecretStore};
use kt_secrets_testkit::apiserver::{ApiServer, Fault};

const SECRETS: usize = 500;
const CONCURRENCY: usize = 16;
const ROUNDS: usize = 3;

fn secrets() -> Vec<Secret> {
    (0..SECRETS)
        .map(|i| {
            Secret::from_values(
                &format!("bench-{i:03}"),
                [
                    ("API_KEY", format!("bench-value-{i:03}-{}", "x".repeat(40))),
                    ("settings.json", format!("{{\"n\": {i}}}")),
                ],
            )
            .expect("a valid secret")
        })
        .collect()
}

async fn run(store: &SecretStore, secrets: &[Secret], concurrency: usize) -> Duration {
    let started = Instant::now();
    let results = store.sync(secrets, concurrency).await;
    let elapsed = started.elapsed();
    for r in &results {
        assert_eq!(
            r.as_ref().expect("every secret syncs"),
            &ApplyOutcome::Created
        );
    }
    elapsed
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
        let secrets = secrets();
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
                seq.push(run(&base.clone().with_namespace(ns("seq")), &secrets, 1).await);
                conc.push(
                    run(
                        &base.clone().with_namespace(ns("conc")),
                        &secrets,
                        CONCURRENCY,
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
        println!("  requests served: {}", server.served());
    });
}
