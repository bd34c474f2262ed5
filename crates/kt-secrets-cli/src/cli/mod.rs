//! The command line: the program's help, the global options, the list of commands and
//! parsing. Each group of commands has its arguments in a file of its own.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue};
use clap::{ArgAction, Args, Parser, Subcommand};

mod formats;
mod rotation;
mod secrets;
mod timeout;
mod workloads;

pub use formats::{ListFormat, ManifestFormat, TableOrJson, WorkloadKind};
pub use rotation::{StatusArgs, SyncArgs};
pub use secrets::{CreateArgs, DeleteArgs, DescribeArgs, ListArgs, ProvidersArgs};
pub use timeout::RequestTimeout;
pub use workloads::{InjectArgs, RenderArgs, RunArgs};

use timeout::parse_timeout;
use workloads::{INJECT_ABOUT, INJECT_KINDS};

const ABOUT: &str = "Local credentials and explicit values as Kubernetes Secrets, mounted into pods \
the way their SDKs expect";

const LONG_ABOUT: &str = "\
Local credentials (AWS, GCP, SSH, Hugging Face, OpenAI, ...) or explicit values become Kubernetes \
Secrets, and pods get exactly the env vars and files their SDKs look for.

Secret objects are named kt.secret.<owner>.<name>, as Kubetorch names them; the owner is \
$KT_USERNAME, else `global`. The cluster is the one of --kubeconfig / --context, else of \
$KUBECONFIG or ~/.kube/config.

Values never reach the terminal or the logs, with two exceptions you ask for: `describe --show`, \
and the Secret manifests printed by `create --dry-run`, `create -o` and `render`, which carry \
the values base64-encoded because they are meant for `kubectl apply -f -`.

Exit status: 0 on success; 2 for what was typed (names, keys, namespaces, flag values, \
length limits, a key given twice, flags or secrets that claim one env var or file); 1 for \
what happened at run time (files, servers, outcomes the server never confirmed). Errors are \
one `error:` line, then `caused by:` lines.";

const AFTER_HELP: &str = "\
Examples:
  # What a pod would get from your OpenAI key, with no cluster:
  OPENAI_API_KEY=sk-demo kt-secrets render --secret openai --dry-run
  # Store your AWS credentials in the cluster, replacing older ones:
  kt-secrets create --provider aws --override
  # A secret from a dotenv file, then a GPU pod that mounts it and your Hugging Face token:
  kt-secrets create my-app --from-env-file .env
  kt-secrets render --secret my-app --secret huggingface --gpus 1 | kubectl apply -f -
  # Shell completion (bash; see `kt-secrets completion --help` for zsh, fish, powershell):
  source <(kt-secrets completion bash)";

const GLOBAL: &str = "Global options";

#[derive(Debug, Parser)]
#[command(
    name = "kt-secrets",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Kubeconfig file to use instead of $KUBECONFIG or ~/.kube/config.
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use instead of the current one.
    #[arg(long, global = true, value_name = "NAME", help_heading = GLOBAL)]
    pub context: Option<String>,

    /// Namespace (default: the kubeconfig context's; in a pod, its service account's).
    #[arg(short, long, global = true, value_name = "NS", help_heading = GLOBAL)]
    pub namespace: Option<String>,

    /// Give up on a request to the API server after this long, retries included: a whole
    /// number of seconds or a duration (1s, 2m, 1m30s, 500ms), as kubectl's flag; 0 for never.
    /// Default: 30s per attempt, 4 attempts.
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_timeout, help_heading = GLOBAL)]
    pub request_timeout: Option<RequestTimeout>,

    /// Log what is done to stderr (-v steps, -vv details and API requests, -vvv everything of
    /// kt-secrets). Logs name secrets, keys, files and env vars, never values.
    #[arg(short, long, global = true, action = ArgAction::Count, help_heading = GLOBAL)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses `args` (the program name first). clap repeats a stray argument in its error
    /// ("unexpected argument 'B=…' found"); next to `--from-literal` such an argument is most
    /// likely a value given without its flag (`--from-literal A=1 B=2`, `--from-literal KEY
    /// VALUE`), so it is not repeated.
    pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Cli, clap::Error> {
        use clap::{CommandFactory, FromArgMatches};
        let args: Vec<OsString> = args.into_iter().collect();
        let mut command = Cli::command();
        if args.first().is_some_and(is_kubectl_plugin) {
            command = command.bin_name(KUBECTL_PLUGIN_USAGE);
        }
        command
            .try_get_matches_from(&args)
            .and_then(|m| Cli::from_arg_matches(&m))
            .map_err(|mut e| {
                let stray = matches!(
                    e.get(ContextKind::InvalidArg),
                    Some(ContextValue::String(a)) if !a.starts_with('-')
                );
                if stray && has_literals(&args) {
                    e.insert(
                        ContextKind::InvalidArg,
                        ContextValue::String(STRAY_NOT_SHOWN.to_owned()),
                    );
                }
                e
            })
    }
}

/// The file name under which kubectl runs the binary as `kubectl kt-secrets`: kubectl's plugin
/// lookup (`kubectl/pkg/cmd/plugin.go`, `DefaultPluginHandler.Lookup`) looks for
/// `kubectl-<words joined by ->` on the PATH, a `-` inside a word written as `_`.
pub const KUBECTL_PLUGIN: &str = "kubectl-kt_secrets";

/// What usage lines and help call the command when it runs as the kubectl plugin.
const KUBECTL_PLUGIN_USAGE: &str = "kubectl kt-secrets";

/// Whether the program was started as the kubectl plugin (a `kubectl-kt_secrets` symlink or
/// copy of the binary).
fn is_kubectl_plugin(argv0: &OsString) -> bool {
    std::path::Path::new(argv0)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.strip_suffix(".exe").unwrap_or(n) == KUBECTL_PLUGIN)
}

/// Stands for an argument that errors do not repeat.
const STRAY_NOT_SHOWN: &str = "<not shown: next to --from-literal it may be a value>";

/// Whether `args` give `--from-literal` values.
fn has_literals(args: &[OsString]) -> bool {
    args.iter().any(|a| {
        a.to_str()
            .is_some_and(|a| a == "--from-literal" || a.starts_with("--from-literal="))
    })
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the providers (built in and from plugins): where each looks and what the pod gets.
    #[command(long_about = "\
List the providers: the built-in ones and those loaded from plugins ($KT_SECRETS_PLUGIN_PATH, \
~/.config/kt-secrets/plugins). For each: where it looks on this machine, first match wins, and \
what the pod gets. A plugin that fails to load is reported as a warning on stderr.")]
    Providers(ProvidersArgs),

    /// Create or update a Secret from a provider, a path, env vars, literals or a dotenv file.
    #[command(long_about = "\
Create a Secret, or update it: an existing Secret with the same data is left alone; one with \
different data is replaced only with --override, else the command fails naming the keys that \
differ. Give one source: --provider (optionally with --path, a directory the provider reads \
instead of its default), --path, --env, or values (--from-literal and --from-env-file, which \
combine). Keys that are env var names become env vars in the pod; other keys become files under \
/secrets/<name>/.

With --dry-run, nothing is contacted: the Secret manifest is printed (yaml unless -o json), \
ready for `kubectl apply -f -`.")]
    Create(CreateArgs),

    /// List Secrets of a namespace or of all namespaces (alias: get).
    #[command(
        visible_alias = "get",
        long_about = "List Secrets of a namespace (-n, else the context's) or of all namespaces \
(-A), optionally only those a label selector (-l) picks: the API server applies it, as for \
`kubectl get -l`. Table output shows names, providers, mount types, keys and ages; -o wide adds \
namespace, type and where each key goes in the pod; -o name prints secret/<object>, one a line; \
-o json and -o yaml print the Secret objects as kubectl would, without their data."
    )]
    List(ListArgs),

    /// Show a Secret's keys, sizes, mounts, provider and where each key came from.
    #[command(long_about = "\
Show a Secret: its Kubernetes object, provider, and for each key its size, where it appears in \
the pod, and where its value came from. NAME is the Secret's name or its Kubernetes object name. \
Values are shown only with --show.")]
    Describe(DescribeArgs),

    /// Delete Secrets by name or by name prefix; asks first unless -y.
    Delete(DeleteArgs),

    /// Print the Secret manifests and the Pod that mounts them, as a v1 List.
    #[command(long_about = "\
Print a v1 List: the Secret manifests, then the Pod that mounts them, ready for \
`kubectl apply -f -`. Each --secret is a provider name (resolved from this machine's \
credentials) or the name of a Secret already in the cluster (referred to, not printed). \
Without --dry-run, the provider secrets are created or updated in the cluster first, and only the \
Pod is printed: piping Secrets through `kubectl apply` would copy their values into its \
last-applied-configuration annotation. With --dry-run, no cluster is contacted, so only \
providers can be named, and their Secret manifests come first. --kind job or deployment \
prints a Job or a Deployment of that pod instead.

Files are mounted one by one (subPath), so the image's own files in the same directories stay \
visible; the pod carries each secret's content hash in an annotation.")]
    Render(RenderArgs),

    /// Run a command here with exactly the container's view of the secrets.
    #[command(
        long_about = "\
Run CMD on this machine with exactly what the container would see, to check credentials before \
deploying: a fresh private temporary tree holds every file the pod mounts at its container path \
(mode as rendered), HOME is the container home inside that tree, the container's env vars are \
set (secret ones from the secret data), and env vars whose values are container paths \
(GOOGLE_APPLICATION_CREDENTIALS, KUBECONFIG, AZURE_CONFIG_DIR, ...) point to the same files in \
the tree. Nothing else of your environment reaches CMD but PATH, LANG, TERM and the --keep-env \
vars.

Each --secret is a provider name (resolved from this machine's credentials) or the name of a \
Secret already in the cluster (read from it; nothing is written to the cluster).

CMD's exit status is passed through (128 + the signal when a signal ended it; 127 when it cannot \
be started). The tree is removed afterwards, also when CMD is killed or `run` gets SIGINT, \
SIGTERM, SIGHUP or SIGQUIT (passed on to CMD). No values are printed.",
        after_help = "\
Examples:
  # Does the pod's AWS identity work?
  kt-secrets run --secret aws -- aws sts get-caller-identity
  # Every provider found here, as a pod running as /home/app would see them:
  kt-secrets run --all-found --container-home /home/app -- sh -c 'env; ls -laR \"$HOME\"'"
    )]
    Run(RunArgs),

    /// Which of your Secrets differ from this machine, and which workloads run an old copy.
    #[command(long_about = "\
One row per kt-secrets Secret of yours (object kt.secret.<owner>.*): its provider; LOCAL, how it \
compares with this machine (same, changed or absent: a provider's secret is resolved again, a \
secret from --env or from files is compared with those env vars and files while they exist; n/a \
for literals); its age; and the workloads that read it (bare Pods, Deployments, StatefulSets, \
DaemonSets, Jobs, CronJobs), each marked stale when its pod template records other content than \
the Secret now holds. Content is compared by hash, computed here; no value and no full hash is \
printed. `kt-secrets sync` brings changed provider secrets up to date.")]
    Status(StatusArgs),

    /// Update provider Secrets whose local credentials changed; --rollout restarts their pods.
    #[command(long_about = "\
Resolve each provider Secret of yours again from this machine's credentials and replace those \
whose content changed (override is implied; the names of the changed keys are shown, never \
values). Secrets whose provider finds nothing here are left alone. An unchanged Secret costs no \
request beyond the one list.

Workloads whose pod template records an older content hash are listed as stale. With --rollout \
their pod template's kt-secrets.dev/secret-hashes annotation is updated, which rolls their pods \
as `kubectl rollout restart` does; bare Pods and Jobs cannot be rolled and are listed as needing \
a restart. Files of a Secret mounted as a whole directory (see `kt-secrets providers`, ROTATION) \
reach running pods without a restart; env vars never do.

One line per Secret and per workload, then a summary. Exit status 1 if anything failed; every \
Secret is then either updated or as it was, never half-written.")]
    Sync(SyncArgs),

    /// Add the secrets to every pod template of a manifest stream (helm template, kustomize).
    #[command(long_about = INJECT_ABOUT, after_long_help = INJECT_KINDS)]
    Inject(InjectArgs),

    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(long_about = "\
Print the completion script of a shell to stdout. To load it:

  bash:        source <(kt-secrets completion bash)       # in ~/.bashrc
  zsh:         source <(kt-secrets completion zsh)        # in ~/.zshrc, after compinit
  fish:        kt-secrets completion fish > ~/.config/fish/completions/kt-secrets.fish
  powershell:  kt-secrets completion powershell | Out-String | Invoke-Expression   # in $PROFILE

As the kubectl plugin (kubectl-kt_secrets), `kubectl kt-secrets` is completed by kubectl's own \
completion.")]
    Completion(CompletionArgs),
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// `a` as the program gets it, after its name.
    pub(super) fn args(a: &[&str]) -> Vec<OsString> {
        std::iter::once("kt-secrets")
            .chain(a.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parse_errors_do_not_repeat_stray_arguments_next_to_literals() {
        for a in [
            &["create", "x", "--from-literal", "A=1", "B=canary-stray"][..],
            &["create", "x", "--from-literal", "PASSWORD", "canary-stray"],
            &["create", "x", "--from-literal=A=1", "--", "B=canary-stray"],
        ] {
            let e = Cli::parse_args(args(a)).unwrap_err();
            let shown = e.to_string();
            assert_eq!(e.kind(), clap::error::ErrorKind::UnknownArgument);
            assert!(
                shown.contains("not shown") && !shown.contains("canary"),
                "{a:?}: {shown}"
            );
        }
        // Without literals, the stray argument is named as usual.
        let e = Cli::parse_args(args(&["list", "stray-name"])).unwrap_err();
        assert!(e.to_string().contains("'stray-name'"), "{e}");
    }
}
