//! A corpus of bad input through the built binary, one table row per case: special files
//! where files are read, malformed credential files, names and values typed wrong, limits,
//! and server faults. Every case runs with a timeout and checks the exit code (2 for what was
//! typed, 1 for what happened at run time), one `error:` line naming the thing at fault, a
//! canary value never printed, and, for refused input, nothing written to the loopback server.

mod common;

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use common::Cluster;
use kt_secrets_testkit::apiserver::Fault;
use kt_secrets_testkit::special::{mkfifo, socket};

/// Planted in every value of every case.
const CANARY: &str = "canary-badinput-7d3a91";

/// What a case runs: arguments and env vars (HOME and PATH are always set).
struct Input {
    args: Vec<OsString>,
    env: Vec<(String, String)>,
}

impl Input {
    fn new<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Input {
        Input {
            args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
            env: Vec::new(),
        }
    }

    fn env(mut self, var: &str, value: impl Into<String>) -> Input {
        self.env.push((var.to_owned(), value.into()));
        self
    }
}

struct Case {
    name: &'static str,
    code: i32,
    /// Text the error lines must contain (for code 0, stderr); `{home}` stands for HOME.
    names: &'static str,
    /// Writes the case's files under HOME and returns what to run.
    setup: fn(&Path) -> Input,
    /// Server state and faults for cases about the server; `None` for refused input, where
    /// nothing may be written.
    server: Option<fn(&Cluster)>,
}

const fn case(
    name: &'static str,
    code: i32,
    names: &'static str,
    setup: fn(&Path) -> Input,
) -> Case {
    Case {
        name,
        code,
        names,
        setup,
        server: None,
    }
}

/// Writes `contents` at `rel` under `home` (making directories) and returns the path.
fn w(home: &Path, rel: &str, contents: impl AsRef<[u8]>) -> String {
    let p = home.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, contents).unwrap();
    p.display().to_string()
}

/// A FIFO at `rel` under `home`.
fn fifo(home: &Path, rel: &str) -> String {
    let p = home.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    mkfifo(
        p.parent().unwrap(),
        p.file_name().unwrap().to_str().unwrap(),
    )
    .display()
    .to_string()
}

fn c(s: &str) -> String {
    s.replace("CANARY", CANARY)
}

/// A kubeconfig whose user (or cluster) names `field: FILE`.
fn kubeconfig_naming(home: &Path, field: &str, file: &str) -> String {
    let (cluster, user) = match field {
        "certificate-authority" => (format!(", {field}: {file}"), String::new()),
        _ => (String::new(), format!("{field}: {file}")),
    };
    w(
        home,
        "kc/config",
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: x\n\
             clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:1'{cluster}}}}}]\n\
             contexts: [{{name: x, context: {{cluster: c, user: u}}}}]\n\
             users: [{{name: u, user: {{{user}}}}}]\n"
        ),
    )
}

fn long(n: usize) -> String {
    "n".repeat(n)
}

fn cases() -> Vec<Case> {
    vec![
        // ---- Special files where a file is read: refused by name, never waited on. ----
        case("env file is a FIFO", 1, "{home}/fifo.env is a FIFO", |h| {
            Input::new(&[
                "create",
                "x",
                "--from-env-file",
                &fifo(h, "fifo.env"),
                "--dry-run",
            ])
        }),
        case("env file is a socket", 1, "{home}/sock.env", |h| {
            let p = socket(h, "sock.env");
            Input::new(&[
                "create".as_ref(),
                "x".as_ref(),
                "--from-env-file".as_ref(),
                p.as_os_str(),
                "--dry-run".as_ref(),
            ])
        }),
        case(
            "env file is /dev/zero",
            1,
            "/dev/zero is a character device",
            |_| Input::new(&["create", "x", "--from-env-file", "/dev/zero", "--dry-run"]),
        ),
        case("--path is a FIFO", 1, "{home}/given is a FIFO", |h| {
            Input::new(&["create", "x", "--path", &fifo(h, "given"), "--dry-run"])
        }),
        case(
            "--path tree holds a FIFO",
            1,
            "{home}/tree/b is a FIFO",
            |h| {
                w(h, "tree/a", CANARY);
                fifo(h, "tree/b");
                Input::new(&[
                    "create",
                    "x",
                    "--path",
                    &h.join("tree").display().to_string(),
                    "--dry-run",
                ])
            },
        ),
        case(
            "--path is /dev/null",
            1,
            "/dev/null is a character device",
            |_| Input::new(&["create", "x", "--path", "/dev/null", "--dry-run"]),
        ),
        case(
            "--kubeconfig is a FIFO",
            1,
            "kubeconfig {home}/kc.fifo: is a FIFO",
            |h| Input::new(&["--kubeconfig", &fifo(h, "kc.fifo"), "list"]),
        ),
        case(
            "$KUBECONFIG is a FIFO",
            1,
            "kubeconfig {home}/kc.fifo: is a FIFO",
            |h| Input::new(&["list"]).env("KUBECONFIG", fifo(h, "kc.fifo")),
        ),
        case(
            "second $KUBECONFIG entry is a FIFO",
            1,
            "{home}/kc2.fifo",
            |h| {
                let first = w(h, "kc1", "apiVersion: v1\nkind: Config\n");
                Input::new(&["list"]).env("KUBECONFIG", format!("{first}:{}", fifo(h, "kc2.fifo")))
            },
        ),
        case(
            "~/.kube/config is a FIFO",
            1,
            "{home}/.kube/config: is a FIFO",
            |h| {
                fifo(h, ".kube/config");
                Input::new(&["list"]).env("HOME", h.display().to_string())
            },
        ),
        case(
            "kubeconfig tokenFile is a FIFO",
            1,
            "tokenFile: {home}/kc/token is a FIFO",
            |h| {
                fifo(h, "kc/token");
                Input::new(&[
                    "--kubeconfig",
                    &kubeconfig_naming(h, "tokenFile", "token"),
                    "list",
                ])
            },
        ),
        case(
            "kubeconfig client-key is a FIFO",
            1,
            "client-key: {home}/kc/key is a FIFO",
            |h| {
                fifo(h, "kc/key");
                Input::new(&[
                    "--kubeconfig",
                    &kubeconfig_naming(h, "client-key", "key"),
                    "list",
                ])
            },
        ),
        case(
            "kubeconfig client-certificate is a FIFO",
            1,
            "client-certificate: {home}/kc/crt",
            |h| {
                fifo(h, "kc/crt");
                Input::new(&[
                    "--kubeconfig",
                    &kubeconfig_naming(h, "client-certificate", "crt"),
                    "list",
                ])
            },
        ),
        case(
            "kubeconfig certificate-authority is a FIFO",
            1,
            "certificate-authority: {home}/kc/ca",
            |h| {
                fifo(h, "kc/ca");
                Input::new(&[
                    "--kubeconfig",
                    &kubeconfig_naming(h, "certificate-authority", "ca"),
                    "list",
                ])
            },
        ),
        case(
            "~/.aws/credentials is a FIFO (render --secret)",
            1,
            "{home}/.aws/credentials is a FIFO",
            |h| {
                fifo(h, ".aws/credentials");
                Input::new(&["render", "--secret", "aws", "--dry-run"])
            },
        ),
        case(
            "~/.aws/credentials is a FIFO (render --all-found)",
            1,
            "{home}/.aws/credentials is a FIFO",
            |h| {
                fifo(h, ".aws/credentials");
                Input::new(&["render", "--all-found", "--dry-run"])
            },
        ),
        case(
            "AWS_CONFIG_FILE is a FIFO",
            1,
            "{home}/awsconfig is a FIFO",
            |h| {
                w(
                    h,
                    ".aws/credentials",
                    c("[default]\naws_access_key_id = AKIAX\naws_secret_access_key = CANARY\n"),
                );
                Input::new(&["create", "--provider", "aws", "--dry-run"])
                    .env("AWS_CONFIG_FILE", fifo(h, "awsconfig"))
            },
        ),
        case(
            "AWS_SHARED_CREDENTIALS_FILE is /dev/zero",
            1,
            "/dev/zero is a character device",
            |_| {
                Input::new(&["create", "--provider", "aws", "--dry-run"])
                    .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/zero")
            },
        ),
        case(
            "~/.netrc is a FIFO (wandb)",
            1,
            "{home}/.netrc is a FIFO",
            |h| {
                fifo(h, ".netrc");
                Input::new(&["render", "--secret", "wandb", "--dry-run"])
            },
        ),
        case(
            "gh hosts.yml is a FIFO",
            1,
            "{home}/.config/gh/hosts.yml is a FIFO",
            |h| {
                fifo(h, ".config/gh/hosts.yml");
                Input::new(&["render", "--secret", "github", "--dry-run"])
            },
        ),
        case(
            "huggingface token is a FIFO",
            1,
            "{home}/.cache/huggingface/token is a FIFO",
            |h| {
                fifo(h, ".cache/huggingface/token");
                Input::new(&["render", "--secret", "huggingface", "--dry-run"])
            },
        ),
        case(
            "gcloud ADC file is a FIFO",
            1,
            "application_default_credentials.json is a FIFO",
            |h| {
                fifo(h, ".config/gcloud/application_default_credentials.json");
                Input::new(&["render", "--secret", "gcp", "--dry-run"])
            },
        ),
        case(
            "GOOGLE_APPLICATION_CREDENTIALS is a FIFO",
            1,
            "{home}/sa.json is a FIFO",
            |h| {
                Input::new(&["render", "--secret", "gcp", "--dry-run"])
                    .env("GOOGLE_APPLICATION_CREDENTIALS", fifo(h, "sa.json"))
            },
        ),
        case(
            "ssh key is a FIFO",
            1,
            "{home}/.ssh/id_ed25519 is a FIFO",
            |h| {
                fifo(h, ".ssh/id_ed25519");
                Input::new(&["render", "--secret", "ssh", "--dry-run"])
            },
        ),
        case(
            "lambda keys is a FIFO",
            1,
            "{home}/.lambda_cloud/lambda_keys is a FIFO",
            |h| {
                fifo(h, ".lambda_cloud/lambda_keys");
                Input::new(&["render", "--secret", "lambda", "--dry-run"])
            },
        ),
        case(
            "kubeconfig provider: ~/.kube/config is a FIFO",
            1,
            "{home}/.kube/config is a FIFO",
            |h| {
                fifo(h, ".kube/config");
                Input::new(&["render", "--secret", "kubeconfig", "--dry-run"])
            },
        ),
        case("azure dir holds a FIFO", 1, "{home}/.azure", |h| {
            fifo(h, ".azure/azureProfile.json");
            Input::new(&["render", "--secret", "azure", "--dry-run"])
        }),
        // A plugin candidate that is a FIFO is refused on its own; the command goes on.
        case(
            "plugin candidate is a FIFO",
            0,
            "{home}/.config/kt-secrets/plugins/x.so: refusing to load it: it is a FIFO",
            |h| {
                let dir = h.join(".config/kt-secrets/plugins");
                std::fs::create_dir_all(&dir).unwrap();
                set_mode(&dir, 0o700);
                fifo(h, ".config/kt-secrets/plugins/x.so");
                Input::new(&["render", "--secret", "openai", "--dry-run"])
                    .env("OPENAI_API_KEY", CANARY)
            },
        ),
        // ---- Malformed credential files: the file (and line), never the content. ----
        case(
            "aws credentials: garbage",
            1,
            "{home}/.aws/credentials: line 3, column 1: expected '=' or ':'",
            |h| {
                w(
                    h,
                    ".aws/credentials",
                    c("this is CANARY not ini\n[default\n"),
                );
                Input::new(&["render", "--secret", "aws", "--dry-run"])
            },
        ),
        case(
            "aws credentials: a line without a key",
            1,
            "{home}/.aws/credentials: line 2, column 2: a value without a key",
            |h| {
                w(h, ".aws/credentials", c("[default]\n= CANARY\n"));
                Input::new(&["render", "--secret", "aws", "--dry-run"])
            },
        ),
        case(
            "aws config: unclosed section",
            1,
            "{home}/.aws/config: line 3, column 1: expected ']'",
            |h| {
                w(
                    h,
                    ".aws/credentials",
                    c("[default]\naws_access_key_id = AKIAX\naws_secret_access_key = CANARY\n"),
                );
                w(h, ".aws/config", c("[profile default\nregion = CANARY\n"));
                Input::new(&["render", "--secret", "aws", "--dry-run"])
            },
        ),
        case(
            "netrc: unterminated quote",
            1,
            "{home}/.netrc: line 1: a quote is never closed",
            |h| {
                w(
                    h,
                    ".netrc",
                    c("machine api.wandb.ai login user password \"CANARY\n"),
                );
                Input::new(&["render", "--secret", "wandb", "--dry-run"])
            },
        ),
        case(
            "gh hosts.yml: not YAML",
            1,
            "{home}/.config/gh/hosts.yml: not a gh hosts file (line 1",
            |h| {
                w(
                    h,
                    ".config/gh/hosts.yml",
                    c("github.com: [oauth_token: CANARY\n"),
                );
                Input::new(&["render", "--secret", "github", "--dry-run"])
            },
        ),
        case(
            "gh hosts.yml: a list",
            1,
            "{home}/.config/gh/hosts.yml",
            |h| {
                w(h, ".config/gh/hosts.yml", c("- CANARY\n- b\n"));
                Input::new(&["render", "--secret", "github", "--dry-run"])
            },
        ),
        case(
            "--kubeconfig: not YAML",
            1,
            "kubeconfig {home}/kc/config: cannot parse it as a kubeconfig: invalid YAML or fields at line 1",
            |h| {
                Input::new(&[
                    "--kubeconfig",
                    &w(h, "kc/config", c("users: [{token: CANARY\n")),
                    "list",
                ])
            },
        ),
        case(
            "kubeconfig provider: not YAML",
            1,
            "{home}/.kube/config: invalid YAML at line 1",
            |h| {
                w(h, ".kube/config", c("users: [{token: CANARY\n"));
                Input::new(&["render", "--secret", "kubeconfig", "--dry-run"])
            },
        ),
        case(
            "gcloud ADC: not JSON",
            1,
            "application_default_credentials.json: not JSON (line 2",
            |h| {
                w(
                    h,
                    ".config/gcloud/application_default_credentials.json",
                    c("{\"type\": \"authorized_user\", \"client_secret\": \"CANARY\"\n"),
                );
                Input::new(&["render", "--secret", "gcp", "--dry-run"])
            },
        ),
        case(
            "gcloud ADC: a JSON list",
            1,
            "application_default_credentials.json",
            |h| {
                w(
                    h,
                    ".config/gcloud/application_default_credentials.json",
                    c("[\"CANARY\"]"),
                );
                Input::new(&["render", "--secret", "gcp", "--dry-run"])
            },
        ),
        case(
            "lambda keys: no api_key",
            1,
            "{home}/.lambda_cloud/lambda_keys: no `api_key = …` line",
            |h| {
                w(h, ".lambda_cloud/lambda_keys", c("CANARY\n"));
                Input::new(&["render", "--secret", "lambda", "--dry-run"])
            },
        ),
        case("env file: a line that is not KEY=VALUE", 1, "line 2", |h| {
            Input::new(&[
                "create",
                "x",
                "--from-env-file",
                &w(h, "a.env", c("A=1\nCANARY\n")),
                "--dry-run",
            ])
        }),
        case("env file: unterminated quote", 1, "line 2", |h| {
            Input::new(&[
                "create",
                "x",
                "--from-env-file",
                &w(h, "a.env", c("A=1\nB=\"CANARY\n")),
                "--dry-run",
            ])
        }),
        case("env file: NUL byte", 1, "line 1: a NUL byte", |h| {
            Input::new(&[
                "create",
                "x",
                "--from-env-file",
                &w(h, "a.env", c("A=CANARY\0\nB=2\n")),
                "--dry-run",
            ])
        }),
        case(
            "env file: unset ${VAR}",
            1,
            "line 2: ${KT_BADINPUT_UNSET} is not set",
            |h| {
                Input::new(&[
                    "create",
                    "x",
                    "--from-env-file",
                    &w(h, "a.env", c("A=CANARY\nB=${KT_BADINPUT_UNSET}\n")),
                    "--dry-run",
                ])
            },
        ),
        case("env file: a lone $", 1, "line 1, column 12", |h| {
            Input::new(&[
                "create",
                "x",
                "--from-env-file",
                &w(h, "a.env", "PASS=canary$!\n"),
                "--dry-run",
            ])
        }),
        case(
            "env file: $ inside a password names no part of it",
            1,
            "line 1, column 12",
            |h| {
                Input::new(&[
                    "create",
                    "x",
                    "--from-env-file",
                    &w(h, "a.env", c("PASS=canary$CANARY\n")),
                    "--dry-run",
                ])
            },
        ),
        case("env file: not UTF-8", 1, "line 2: not valid UTF-8", |h| {
            Input::new(&[
                "create",
                "x",
                "--from-env-file",
                &w(h, "a.env", b"A=1\nB=\xff\xfe\n"),
                "--dry-run",
            ])
        }),
        case("env file: a key twice", 1, "key A is given twice", |h| {
            Input::new(&[
                "create",
                "x",
                "--from-env-file",
                &w(h, "a.env", c("A=1\nA=CANARY\n")),
                "--dry-run",
            ])
        }),
        case("env file: empty", 1, "has no entries", |h| {
            Input::new(&[
                "create",
                "x",
                "--from-env-file",
                &w(h, "a.env", "# nothing\n"),
                "--dry-run",
            ])
        }),
        case(
            "env file: missing",
            1,
            "{home}/missing.env does not exist",
            |h| {
                Input::new(&[
                    "create",
                    "x",
                    "--from-env-file",
                    &h.join("missing.env").display().to_string(),
                    "--dry-run",
                ])
            },
        ),
        case("env file: a directory", 1, "{home}/d is a directory", |h| {
            std::fs::create_dir(h.join("d")).unwrap();
            Input::new(&[
                "create",
                "x",
                "--from-env-file",
                &h.join("d").display().to_string(),
                "--dry-run",
            ])
        }),
        case(
            "env file: a newline in its path is escaped",
            1,
            "{home}/a\\nerror: b.env does not exist",
            |h| {
                Input::new(&[
                    "create",
                    "x",
                    "--from-env-file",
                    &h.join("a\nerror: b.env").display().to_string(),
                    "--dry-run",
                ])
            },
        ),
        case(
            "--path: escape sequence in the path",
            1,
            "{home}/x\\u{1b}[2J does not exist",
            |h| {
                Input::new(&[
                    "create",
                    "x",
                    "--path",
                    &h.join("x\u{1b}[2J").display().to_string(),
                    "--dry-run",
                ])
            },
        ),
        // ---- What was typed: exit 2, nothing sent. ----
        case("NAME invalid, next to a literal", 2, "invalid NAME", |_| {
            Input::new(&[
                "create",
                "Bad Name",
                "--from-literal",
                &c("A=CANARY"),
                "--dry-run",
            ])
        }),
        case("NAME is a pasted value", 2, "invalid NAME", |_| {
            Input::new(&[
                "create",
                &c("sk-CANARY=="),
                "--from-literal",
                "A=1",
                "--dry-run",
            ])
        }),
        case(
            "--from-literal without =",
            2,
            "--from-literal number 1",
            |_| Input::new(&["create", "x", "--from-literal", CANARY, "--dry-run"]),
        ),
        case(
            "--from-literal with an empty key",
            2,
            "--from-literal number 1",
            |_| Input::new(&["create", "x", "--from-literal", &c("=CANARY"), "--dry-run"]),
        ),
        case("--from-literal key invalid", 2, "bad key!", |_| {
            Input::new(&[
                "create",
                "x",
                "--from-literal",
                &c("bad key!=CANARY"),
                "--dry-run",
            ])
        }),
        case(
            "--from-literal key with a newline is escaped",
            2,
            "k\\ney",
            |_| {
                Input::new(&[
                    "create",
                    "x",
                    "--from-literal",
                    &c("k\ney=CANARY"),
                    "--dry-run",
                ])
            },
        ),
        case(
            "--from-literal key twice",
            2,
            "duplicate data key \"A\"",
            |_| {
                Input::new(&[
                    "create",
                    "x",
                    "--from-literal",
                    "A=1",
                    "--from-literal",
                    &c("A=CANARY"),
                    "--dry-run",
                ])
            },
        ),
        case(
            "key in --from-literal and the env file",
            2,
            "key A is given by --from-literal and by",
            |h| {
                Input::new(&[
                    "create",
                    "x",
                    "--from-literal",
                    "A=1",
                    "--from-env-file",
                    &w(h, "a.env", c("A=CANARY\n")),
                    "--dry-run",
                ])
            },
        ),
        case(
            "--env value pasted without KEY=",
            2,
            "--env number 1",
            |_| Input::new(&["create", "x", "--env", &c("sk-CANARY"), "--dry-run"]),
        ),
        case("--env local var is a value", 2, "key API_KEY", |_| {
            Input::new(&["create", "x", "--env", &c("API_KEY=sk-CANARY"), "--dry-run"])
        }),
        case("--env key invalid", 2, "bad-key", |_| {
            Input::new(&["create", "x", "--env", "bad-key=HOME", "--dry-run"])
        }),
        case("name too long for the label (64)", 2, "63", |_| {
            Input::new(&["create", &long(64), "--from-literal", &c("A=CANARY")])
        }),
        case(
            "object name over 253 with the prefix",
            2,
            "object name",
            |_| Input::new(&["create", &long(240), "--from-literal", &c("A=CANARY")]),
        ),
        case("name over 253", 2, "253", |_| {
            Input::new(&["create", &long(254), "--from-literal", &c("A=CANARY")])
        }),
        case("-n invalid", 2, "--namespace \"Bad_NS\"", |_| {
            Input::new(&[
                "create",
                "x",
                "-n",
                "Bad_NS",
                "--from-literal",
                &c("A=CANARY"),
            ])
        }),
        case("list -n invalid", 2, "--namespace \"UPPER\"", |_| {
            Input::new(&["list", "-n", "UPPER"])
        }),
        case("describe: invalid name", 2, "Bad Name", |_| {
            Input::new(&["describe", "Bad Name"])
        }),
        case("delete: invalid name", 2, "Bad Name", |_| {
            Input::new(&["delete", "Bad Name", "-y"])
        }),
        case(
            "delete: empty prefix",
            2,
            "--prefix must not be empty",
            |_| Input::new(&["delete", "--prefix", "", "-y"]),
        ),
        case("KT_USERNAME invalid", 2, "Bad.User", |_| {
            Input::new(&["list"]).env("KT_USERNAME", "Bad.User")
        }),
        case("create: unknown provider", 2, "nosuch", |_| {
            Input::new(&["create", "--provider", "nosuch", "--dry-run"])
        }),
        case("render --dry-run: not a provider", 2, "nosuch", |_| {
            Input::new(&["render", "--secret", "nosuch", "--dry-run"])
        }),
        case("render: --secret twice", 2, "openai", |_| {
            Input::new(&[
                "render",
                "--secret",
                "openai",
                "--secret",
                "openai",
                "--dry-run",
            ])
            .env("OPENAI_API_KEY", CANARY)
        }),
        case(
            "render: --env claims a secret's env var",
            2,
            "OPENAI_API_KEY",
            |_| {
                Input::new(&[
                    "render",
                    "--secret",
                    "openai",
                    "--env",
                    "OPENAI_API_KEY=x",
                    "--dry-run",
                ])
                .env("OPENAI_API_KEY", CANARY)
            },
        ),
        case("render: --env without =", 2, "--env \"FOO\"", |_| {
            Input::new(&["render", "--env", "FOO", "--dry-run"])
        }),
        case("render: --cpus not a quantity", 2, "abc", |_| {
            Input::new(&["render", "--cpus", "abc", "--dry-run"])
        }),
        case("render: --memory not a quantity", 2, "12XB", |_| {
            Input::new(&["render", "--memory", "12XB", "--dry-run"])
        }),
        case("render: pod name invalid", 2, "Bad_Pod", |_| {
            Input::new(&["render", "--name", "Bad_Pod", "--dry-run"])
        }),
        case("clap: unknown flag", 2, "--bogus", |_| {
            Input::new(&["list", "--bogus"])
        }),
        case("clap: no source", 2, "required", |_| {
            Input::new(&["create", "x"])
        }),
        case("clap: -o xml", 2, "xml", |_| {
            Input::new(&["create", "x", "--from-literal", &c("A=CANARY"), "-o", "xml"])
        }),
        case(
            "clap: stray value next to a literal",
            2,
            "not shown",
            |_| Input::new(&["create", "x", "--from-literal", "A=1", &c("B=CANARY")]),
        ),
        case(
            "clap: --allow-unset without an env file",
            2,
            "--from-env-file",
            |_| {
                Input::new(&[
                    "create",
                    "x",
                    "--from-literal",
                    &c("A=CANARY"),
                    "--allow-unset",
                ])
            },
        ),
        // ---- The other commands, under the same rule. ----
        case("clap: providers -o xml", 2, "xml", |_| {
            Input::new(&["providers", "-o", "xml"])
        }),
        case(
            "run: ~/.aws/credentials is a FIFO",
            1,
            "{home}/.aws/credentials is a FIFO",
            |h| {
                fifo(h, ".aws/credentials");
                Input::new(&["run", "--secret", "aws", "--", "true"])
            },
        ),
        case(
            "run: garbage ~/.aws/credentials",
            1,
            "{home}/.aws/credentials: line 2",
            |h| {
                w(h, ".aws/credentials", c("[default]\n= CANARY\n"));
                Input::new(&["run", "--secret", "aws", "--", "true"])
            },
        ),
        case("run: --keep-env not a name", 2, "--keep-env", |_| {
            Input::new(&["run", "--keep-env", "1BAD", "--", "true"])
        }),
        case("status -n invalid", 2, "--namespace \"UPPER\"", |_| {
            Input::new(&["status", "-n", "UPPER"])
        }),
        case("sync -n invalid", 2, "--namespace \"UPPER\"", |_| {
            Input::new(&["sync", "-n", "UPPER"])
        }),
        case("sync: unknown provider", 2, "nosuch", |_| {
            Input::new(&["sync", "--provider", "nosuch"])
        }),
        // ---- Limits that depend on what was read: exit 1, nothing sent. ----
        case("values over 1 MiB", 1, "1 MiB", |h| {
            w(h, "big/a", vec![b'x'; 700 * 1024]);
            w(h, "big/b", vec![b'y'; 400 * 1024]);
            Input::new(&[
                "create",
                "big",
                "--path",
                &h.join("big").display().to_string(),
            ])
        }),
        case(
            "exactly 1 MiB of values fits, whatever the keys",
            0,
            "",
            |h| {
                let key = "k".repeat(200);
                let mut text = format!("{key}=").into_bytes();
                text.extend(vec![b'v'; 1024 * 1024]);
                text.push(b'\n');
                Input::new(&[
                    "create",
                    "fits",
                    "--from-env-file",
                    &w(h, "big.env", text),
                    "--dry-run",
                ])
            },
        ),
        // ---- Server faults: nothing claimed that the server did not say. ----
        Case {
            server: Some(|cl| {
                seed(cl, "gone-twice");
                cl.server
                    .inject(Fault::status(500).method("DELETE").after_forward().times(1));
            }),
            ..case(
                "delete: 5xx then 404 is unconfirmed",
                1,
                "deletion not confirmed",
                |_| Input::new(&["delete", "gone-twice", "-y"]),
            )
        },
        Case {
            server: Some(|cl| {
                cl.server
                    .inject(Fault::status(500).method("POST").after_forward().times(1));
            }),
            ..case(
                "create: 5xx then 409 is unconfirmed",
                1,
                "creation not confirmed",
                |_| Input::new(&["create", "lost-create", "--from-literal", &c("A=CANARY")]),
            )
        },
        Case {
            server: Some(|cl| {
                seed(cl, "kept");
                cl.server.inject(Fault::status(503).method("DELETE"));
            }),
            ..case("delete: 503 every time", 1, "503", |_| {
                Input::new(&["delete", "kept", "-y"])
            })
        },
        Case {
            server: Some(|cl| {
                cl.server
                    .inject(Fault::status(500).method("GET").path_contains("/secrets"))
            }),
            ..case("describe: 500 every time", 1, "500", |_| {
                Input::new(&["describe", "anything"])
            })
        },
        Case {
            server: Some(|cl| seed(cl, "differs")),
            ..case(
                "create: data differs names --override",
                1,
                "pass --override",
                |_| Input::new(&["create", "differs", "--from-literal", "A=other"]),
            )
        },
        Case {
            server: Some(|_| {}),
            ..case("describe: not found", 1, "not found", |_| {
                Input::new(&["describe", "never-made"])
            })
        },
    ]
}

#[cfg(unix)]
fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Creates `kt.secret.global.<name>` in the server's namespace, around the CLI.
fn seed(cl: &Cluster, name: &str) {
    use k8s_openapi::api::core::v1::Secret as KubeSecret;
    let mut obj = KubeSecret::default();
    obj.metadata.name = Some(format!("kt.secret.global.{name}"));
    obj.data = Some([("A".to_owned(), k8s_openapi::ByteString(CANARY.into()))].into());
    let api: kube::Api<KubeSecret> = kube::Api::namespaced(cl.server.backend(), cl.namespace());
    cl.block_on(api.create(&Default::default(), &obj)).unwrap();
}

#[test]
fn bad_input_corpus() {
    let cluster = Cluster::start();
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let input = (case.setup)(h);
        cluster.server.clear_faults();
        if let Some(prepare) = case.server {
            prepare(&cluster);
        }
        cluster.server.clear_requests();
        let mut cmd = assert_cmd::Command::cargo_bin("kt-secrets").unwrap();
        cmd.env_clear()
            .env("HOME", h)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(h)
            .timeout(Duration::from_secs(20));
        let own_kubeconfig = input.args.iter().any(|a| a == "--kubeconfig")
            || input
                .env
                .iter()
                .any(|(k, _)| k == "KUBECONFIG" || k == "HOME");
        if !own_kubeconfig {
            cmd.arg("--kubeconfig").arg(cluster.kubeconfig());
        }
        cmd.envs(input.env.iter().map(|(k, v)| (k, v)));
        cmd.args(&input.args);
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut problems = Vec::new();
        match out.status.code() {
            None => problems.push("killed: still running after 20 s".to_owned()),
            Some(code) if code != case.code => {
                problems.push(format!("exit {code}, expected {}", case.code))
            }
            Some(_) => {}
        }
        if stdout.contains(CANARY) || stderr.contains(CANARY) {
            problems.push("the canary was printed".to_owned());
        }
        if stderr.contains("Some(") || stderr.contains("Error {") {
            problems.push("Rust debug text in a message".to_owned());
        }
        let needle = case.names.replace("{home}", &h.display().to_string());
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        if case.code == 0 {
            if !errors.is_empty() {
                problems.push("an `error:` line on success".to_owned());
            }
            if !stderr.contains(&needle) {
                problems.push(format!("stderr does not contain {needle:?}"));
            }
        } else {
            let tail: Vec<&str> = stderr
                .lines()
                .skip_while(|l| !l.starts_with("error:"))
                .collect();
            // clap's own errors go on with usage and hints, which are not errors.
            let clap = case.name.starts_with("clap:");
            if errors.len() != 1 {
                problems.push(format!("{} `error:` lines", errors.len()));
            } else if !clap && !tail[1..].iter().all(|l| l.starts_with("  caused by: ")) {
                problems.push("lines other than `caused by:` after the error".to_owned());
            }
            if !tail.join("\n").contains(&needle) {
                problems.push(format!("the error does not contain {needle:?}"));
            }
        }
        let log = cluster.server.requests();
        if case.server.is_none() {
            let writes: Vec<_> = log.iter().filter(|r| r.method != "GET").collect();
            if !writes.is_empty() {
                problems.push(format!("refused input wrote to the server: {writes:?}"));
            }
        }
        if case.code == 2 && log.iter().any(|r| r.is_secrets()) {
            problems.push(format!("a usage error sent requests: {log:?}"));
        }
        if std::env::var_os("KT_BADINPUT_SHOW").is_some() {
            eprintln!("--- {} (exit {:?})\n{stderr}", case.name, out.status.code());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n  stderr: {}",
                case.name,
                problems.join("; "),
                stderr.replace('\n', "\n          ")
            ));
        }
    }
    eprintln!("{} bad-input cases, {} failed", cases.len(), failures.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
