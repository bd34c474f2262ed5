//! A FIFO where a kubeconfig, or a file it names, belongs: refused with an error naming it,
//! never waited on (kube's own read of a FIFO with no writer blocks forever).

use std::path::Path;

use kt_secrets_kube::{Error, SecretStore};
use kt_secrets_testkit::special::{mkfifo, within_seconds};

fn from_kubeconfig(path: &Path) -> Error {
    let path = path.to_path_buf();
    within_seconds(30, move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(SecretStore::from_kubeconfig(Some(&path), None))
            .unwrap_err()
    })
}

#[test]
fn a_fifo_as_the_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = mkfifo(dir.path(), "config");
    let e = from_kubeconfig(&fifo);
    assert!(matches!(e, Error::Kubeconfig { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "kubeconfig {}: is a FIFO (named pipe), not a regular file; it was not read",
            fifo.display()
        )
    );
}

#[test]
fn a_fifo_as_a_file_the_kubeconfig_names() {
    for field in [
        "certificate-authority",
        "client-certificate",
        "client-key",
        "tokenFile",
    ] {
        let dir = tempfile::tempdir().unwrap();
        // Relative, as kube resolves it: against the kubeconfig's directory.
        let fifo = mkfifo(dir.path(), "named.fifo");
        let (cluster_extra, user_extra) = match field {
            "certificate-authority" => (format!(", {field}: named.fifo"), String::new()),
            _ => (String::new(), format!("{field}: named.fifo")),
        };
        let kc = dir.path().join("config");
        std::fs::write(
            &kc,
            format!(
                "apiVersion: v1\nkind: Config\ncurrent-context: x\n\
                 clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:1'{cluster_extra}}}}}]\n\
                 contexts: [{{name: x, context: {{cluster: c, user: u}}}}]\n\
                 users: [{{name: u, user: {{{user_extra}}}}}]\n"
            ),
        )
        .unwrap();
        let e = from_kubeconfig(&kc);
        let msg = e.to_string();
        assert!(matches!(e, Error::Kubeconfig { .. }), "{field}: {msg}");
        assert!(
            msg.contains(&format!("{field}: {} is a FIFO", fifo.display())),
            "{field}: {msg}"
        );
    }
}
