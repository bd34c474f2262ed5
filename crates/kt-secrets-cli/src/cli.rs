//! The command line: every command, flag and help text.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

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

/// A `--request-timeout` value: `Some` bound, or `None` for no bound (`0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTimeout(pub Option<std::time::Duration>);

/// kubectl's rule (client-go `tools/clientcmd/helpers.go`, `ParseTimeout`): a non-negative
/// integer is seconds; anything else is a Go duration (`time.ParseDuration`: `1h2m3.5s`,
/// `300ms`); zero means no timeout.
fn parse_timeout(s: &str) -> Result<RequestTimeout, String> {
    if s.trim().is_empty() {
        return Err("empty; give a whole number of seconds or a duration such as 30s".to_owned());
    }
    let d = match s.parse::<u64>() {
        Ok(secs) => std::time::Duration::from_secs(secs),
        Err(_) => {
            let d: kt_secrets::kube::kube::core::Duration = s.parse().map_err(|e| {
                format!("{e}; give a whole number of seconds or a number with a unit (1s, 2m, 3h)")
            })?;
            if d.is_negative() {
                return Err("a timeout cannot be negative".to_owned());
            }
            d.into()
        }
    };
    Ok(RequestTimeout((!d.is_zero()).then_some(d)))
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

const INJECT_ABOUT: &str = "\
Read Kubernetes manifests (YAML, multi-document `---` streams, JSON, or a v1 List) from files or \
stdin, and add the secrets' env vars, secret volumes and volume mounts to every pod template, \
plus the secrets' content-hash annotation on the template so a changed secret rolls the \
workload. Each --secret is a provider name (resolved from this machine's credentials) or the \
name of a Secret already in the cluster.

Nothing else changes: field order, unknown fields, the workload's own env, mounts and \
annotations stay, and documents of other kinds pass through (comments aside). Injecting twice \
gives the same output. An env var, mount path or volume the workload already has and a secret \
also claims is an error naming both.

All app containers get the secrets, or those named with -c; init containers only with \
--init-containers. Each object's namespace is its metadata.namespace, else -n, else the \
context's; provider secrets are created in every namespace a workload uses.

Without --dry-run, provider secrets are created or updated first and the output holds the input \
objects only. With --dry-run, no cluster is contacted and the provider Secret manifests come \
first.

Non-root images: when a securityContext sets runAsUser other than 0, or --run-as-user is given, \
the pod gets an fsGroup (--fs-group, else runAsGroup, else the user id) unless it has one, and \
file modes readable through that group; OpenSSH accepts such root-owned keys. Give the image \
user's home with --container-home, since `~` in mount paths means /root otherwise.";

/// The kinds `inject` knows; a test checks the list against the library's.
pub const INJECT_KINDS: &str = "\
Known kinds and their pod templates:
  Pod                                     the object itself
  PodTemplate                             template
  Deployment, StatefulSet, DaemonSet,
  ReplicaSet, ReplicationController, Job  spec.template
  CronJob                                 spec.jobTemplate.spec.template
  RayCluster (ray.io)                     spec.headGroupSpec.template,
                                          spec.workerGroupSpecs[*].template
  RayJob (ray.io)                         the same under spec.rayClusterSpec
  PyTorchJob, TFJob, MPIJob (kubeflow.org) spec.{pytorch,tf,mpi}ReplicaSpecs.*.template
  JobSet (jobset.x-k8s.io)                spec.replicatedJobs[*].template.spec.template
Other kinds: --template-path /spec/template (a JSON pointer; * matches every element).

Examples:
  helm template my-release ./chart | kt-secrets inject --secret aws --secret huggingface | kubectl apply -f -
  kubectl kustomize . | kt-secrets inject --secret ssh -c trainer --run-as-user 1000 --container-home /home/app --dry-run";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ManifestFormat {
    Yaml,
    Json,
}

/// What `render` prints the pod as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WorkloadKind {
    Pod,
    Job,
    Deployment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    /// The table with namespace, type and mounts.
    Wide,
    /// `secret/<object name>`, one a line.
    Name,
    Json,
    Yaml,
}

#[derive(Debug, Args)]
pub struct ProvidersArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = TableOrJson::Table)]
    pub output: TableOrJson,

    /// Print the table without its header line.
    #[arg(long)]
    pub no_headers: bool,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("source").required(true).multiple(true)
    .args(["provider", "path", "env", "from_literal", "from_env_file", "from_file"]))]
pub struct CreateArgs {
    /// Secret name (lowercase; `_` becomes `-`). Defaults to the provider's name with
    /// --provider, or to the provider whose default directory --path names.
    #[arg(required_unless_present_any = ["provider", "path"])]
    pub name: Option<String>,

    /// A provider's credentials from this machine (see `kt-secrets providers`).
    #[arg(long, value_name = "P", conflicts_with_all = ["env", "from_literal", "from_env_file", "from_file"])]
    pub provider: Option<String>,

    /// A file or directory (binary-safe; files mount under /secrets/<name>/), or with
    /// --provider the directory that provider reads instead of its default.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["env", "from_literal", "from_env_file", "from_file"])]
    pub path: Option<PathBuf>,

    /// Key KEY (and container env var KEY) from local env var LOCAL_VAR. Repeatable.
    #[arg(long = "env", value_name = "KEY=LOCAL_VAR", conflicts_with_all = ["from_literal", "from_env_file", "from_file"])]
    pub env: Vec<String>,

    /// Key KEY with value VALUE. Repeatable. Note that the value is visible to other local users
    /// in the process list and may land in your shell history; prefer --env or --from-env-file.
    #[arg(long, value_name = "KEY=VALUE")]
    pub from_literal: Vec<String>,

    /// Keys and values from a dotenv file: comments, `export`, single and double quotes,
    /// multi-line quoted values. `$VAR` expands in unquoted and double-quoted values, as in
    /// docker compose; single-quote a value to keep a literal `$`.
    #[arg(long, value_name = "FILE")]
    pub from_env_file: Option<PathBuf>,

    /// With --from-env-file: let a `$VAR` that is not set expand to an empty value, as docker
    /// compose does. Without it such a variable is an error naming its line.
    #[arg(long, requires = "from_env_file")]
    pub allow_unset: bool,

    /// A file's bytes under key KEY (default: the file's name), or every regular file of a
    /// directory under its own name, as `kubectl create secret generic --from-file`; each
    /// mounts as a file under /secrets/<name>/. Repeatable.
    #[arg(long, value_name = "[KEY=]PATH")]
    pub from_file: Vec<String>,

    /// Replace an existing Secret whose data differs.
    #[arg(long = "override")]
    pub override_existing: bool,

    /// Print the Secret manifest; contact no cluster.
    #[arg(long)]
    pub dry_run: bool,

    /// Print the Secret manifest in this format (default with --dry-run: yaml).
    #[arg(short, long, value_enum)]
    pub output: Option<ManifestFormat>,
}

/// `Debug` shows the keys of `--from-literal`, never their values.
impl fmt::Debug for CreateArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let literal_keys: Vec<&str> = self
            .from_literal
            .iter()
            .map(|a| a.split_once('=').map_or("<not KEY=VALUE>", |(k, _)| k))
            .collect();
        f.debug_struct("CreateArgs")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field("path", &self.path)
            .field("env", &self.env)
            .field("from_literal", &literal_keys)
            .field("from_env_file", &self.from_env_file)
            .field("allow_unset", &self.allow_unset)
            .field("from_file", &self.from_file)
            .field("override_existing", &self.override_existing)
            .field("dry_run", &self.dry_run)
            .field("output", &self.output)
            .finish()
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// List Secrets of every namespace.
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,

    /// Only Secrets whose name starts with P.
    #[arg(long, value_name = "P")]
    pub prefix: Option<String>,

    /// Only Secrets whose labels match, as `kubectl get -l`: `key=value`, `key!=value`,
    /// `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, joined by commas.
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,

    /// Print tables without their header line.
    #[arg(long)]
    pub no_headers: bool,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// Secret name or Kubernetes object name.
    pub name: String,

    /// Also print the values. They go to stdout: mind your terminal's scrollback.
    #[arg(long)]
    pub show: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(true).args(["names", "prefix"]))]
pub struct DeleteArgs {
    /// Secret names or Kubernetes object names.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    /// Every Secret of yours (object kt.secret.<owner>.*) whose name starts with P; other
    /// owners' and other tools' Secrets are never deleted by prefix.
    #[arg(long, value_name = "P")]
    pub prefix: Option<String>,

    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A provider name, or the name of a Secret in the cluster. Repeatable.
    #[arg(long = "secret", value_name = "NAME_OR_PROVIDER")]
    pub secrets: Vec<String>,

    /// Also mount every provider that finds credentials on this machine (those that find
    /// nothing are left out, and listed on stderr). A provider whose credentials are there
    /// but broken is an error, as with --secret.
    #[arg(long)]
    pub all_found: bool,

    /// Container image.
    #[arg(long, value_name = "IMG", default_value = kt_secrets::kube::compute::DEFAULT_IMAGE)]
    pub image: String,

    /// CPU request, as a Kubernetes quantity (1, 0.5, 500m).
    #[arg(long, value_name = "C")]
    pub cpus: Option<String>,

    /// Memory request, as a Kubernetes quantity (512Mi, 4Gi).
    #[arg(long, value_name = "M")]
    pub memory: Option<String>,

    /// GPUs, as a nvidia.com/gpu limit.
    #[arg(long, value_name = "G")]
    pub gpus: Option<u32>,

    /// A plain (not secret) env var of the container. Repeatable.
    #[arg(long = "env", value_name = "K=V")]
    pub env: Vec<String>,

    /// Pod name.
    #[arg(long, value_name = "NAME", default_value = kt_secrets::kube::compute::DEFAULT_NAME)]
    pub name: String,

    /// The container's home directory: what `~` means in mount paths.
    #[arg(long, value_name = "DIR", default_value = kt_secrets::DEFAULT_CONTAINER_HOME)]
    pub container_home: String,

    /// Contact no cluster: providers only, nothing applied.
    #[arg(long)]
    pub dry_run: bool,

    /// Let provider secrets replace Secrets in the cluster that hold other data (say, a
    /// rotated key). Without it such a Secret stops the command, naming the keys that differ.
    #[arg(long = "override")]
    pub override_existing: bool,

    /// Print the pod as a Pod, a Job, or a Deployment of one replica.
    #[arg(long, value_enum, default_value_t = WorkloadKind::Pod)]
    pub kind: WorkloadKind,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ManifestFormat::Yaml)]
    pub output: ManifestFormat,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A provider name, or the name of a Secret in the cluster. Repeatable.
    #[arg(long = "secret", value_name = "NAME_OR_PROVIDER")]
    pub secrets: Vec<String>,

    /// Also every provider that finds credentials on this machine (those that find nothing
    /// are left out, and listed on stderr).
    #[arg(long)]
    pub all_found: bool,

    /// The container's home directory: what `~` means in mount paths.
    #[arg(long, value_name = "DIR", default_value = kt_secrets::DEFAULT_CONTAINER_HOME)]
    pub container_home: String,

    /// Also pass this env var of yours to CMD (the container's own vars win). Repeatable.
    #[arg(long, value_name = "VAR")]
    pub keep_env: Vec<String>,

    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Secrets of every namespace.
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,

    /// Only Secrets of this provider. Repeatable.
    #[arg(long = "provider", value_name = "P")]
    pub providers: Vec<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = TableOrJson::Table)]
    pub output: TableOrJson,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only Secrets of this provider. Repeatable.
    #[arg(long = "provider", value_name = "P")]
    pub providers: Vec<String>,

    /// Patch the pod template of each stale Deployment, StatefulSet, DaemonSet and CronJob,
    /// which rolls its pods.
    #[arg(long)]
    pub rollout: bool,

    /// Compare and report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// A manifest file, or - for stdin (the default). Repeatable; objects keep their order.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// A provider name, or the name of a Secret in the cluster. Repeatable.
    #[arg(long = "secret", value_name = "NAME_OR_PROVIDER")]
    pub secrets: Vec<String>,

    /// Also every provider that finds credentials on this machine (as for `render`).
    #[arg(long)]
    pub all_found: bool,

    /// Only this container gets the secrets (repeatable); default: every app container.
    #[arg(short = 'c', long = "container", value_name = "CONTAINER")]
    pub containers: Vec<String>,

    /// Init containers get the secrets too.
    #[arg(long)]
    pub init_containers: bool,

    /// The home directory of the image's user: what `~` means in mount paths. Give it for
    /// images that do not run as root.
    #[arg(long, value_name = "DIR", default_value = kt_secrets::DEFAULT_CONTAINER_HOME)]
    pub container_home: String,

    /// The user the image runs as, where no securityContext says (USER of the Dockerfile).
    #[arg(long, value_name = "UID", value_parser = clap::value_parser!(i64).range(0..=i64::from(u32::MAX)))]
    pub run_as_user: Option<i64>,

    /// The fsGroup to give non-root pods that have none (default: runAsGroup, else the user).
    #[arg(long, value_name = "GID", value_parser = clap::value_parser!(i64).range(0..=i64::from(u32::MAX)))]
    pub fs_group: Option<i64>,

    /// JSON pointer to the pod template in objects of other kinds (e.g. /spec/template; `*`
    /// matches every element of a list or map). Repeatable.
    #[arg(long = "template-path", value_name = "POINTER")]
    pub template_paths: Vec<String>,

    /// Contact no cluster: providers only; their Secret manifests are printed first.
    #[arg(long)]
    pub dry_run: bool,

    /// Let provider secrets replace Secrets in the cluster that hold other data.
    #[arg(long = "override")]
    pub override_existing: bool,

    /// Output format: a multi-document YAML stream, or a JSON v1 List.
    #[arg(short, long, value_enum, default_value_t = ManifestFormat::Yaml)]
    pub output: ManifestFormat,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn inject_help_lists_every_known_kind() {
        for k in kt_secrets::kube::KNOWN_KINDS {
            assert!(INJECT_KINDS.contains(k.kind), "{} missing", k.kind);
            if !k.group.is_empty() && !["apps", "batch"].contains(&k.group) {
                assert!(INJECT_KINDS.contains(k.group), "{} missing", k.group);
            }
        }
    }

    fn args(a: &[&str]) -> Vec<OsString> {
        std::iter::once("kt-secrets")
            .chain(a.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn debug_hides_literal_values() {
        let cli = Cli::parse_args(args(&[
            "create",
            "x",
            "--from-literal",
            "API_KEY=canary-debug-literal",
            "--from-literal=canary-no-equals",
        ]))
        .unwrap();
        let shown = format!("{cli:?}");
        assert!(
            shown.contains("API_KEY") && !shown.contains("canary"),
            "{shown}"
        );
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
