//! The arguments of the commands on Secret objects and providers: `providers`, `create`,
//! `list`, `describe` and `delete`.

use std::fmt;
use std::path::PathBuf;

use clap::Args;

use super::{ListFormat, ManifestFormat, TableOrJson};

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

#[cfg(test)]
mod tests {
    use crate::cli::Cli;
    use crate::cli::tests::args;

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
}
