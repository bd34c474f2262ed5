//! The arguments of the commands that compare the cluster's Secrets with this machine:
//! `status` and `sync`.

use clap::Args;

use super::TableOrJson;

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
