//! Providers loaded at run time from dynamic libraries ("plugins").
//!
//! Rust has no stable ABI, so the boundary is C. A plugin exports one symbol,
//! [`ENTRY_SYMBOL`] (`kt_secrets_plugin_v1`), an `extern "C" fn() -> *const PluginTable`. The
//! [`PluginTable`] starts with the ABI version and its own size, which the host checks before
//! it reads or calls anything else; then come four functions:
//!
//! | field | call | returns (a [`PluginBuf`] of UTF-8 JSON) |
//! |---|---|---|
//! | `name` | `name()` | `{"ok": "envdir"}` |
//! | `info` | `info()` | `{"ok": <ProviderInfo>}` |
//! | `resolve` | `resolve(ctx_ptr, ctx_len)`, the bytes being JSON of a [`ResolveContext`](crate::ResolveContext) | `{"ok": {"data": {"KEY": [bytes…]}, "mounts": [<Mount>…], "origins": {"KEY": <Origin>}}}` |
//! | `free` | `free(buf)` | releases a buffer the plugin returned |
//!
//! The context is `{"home": "/home/me", "env": {"VAR": "value", …}, "path": null}`. Instead of
//! `{"ok": …}`, any function may answer `{"err": E}`, where `E` is one of
//! `{"kind": "nothingFound", "provider": …, "looked": […]}`,
//! `{"kind": "provider", "provider": …, "path": …, "message": …}` (`path`, the file at
//! fault, may be left out), `{"kind": "other", "message": …}` or
//! `{"kind": "panic", "during": …, "location": …}`; messages never hold secret values.
//! Buffers that cross the boundary do (the context carries the whole environment; the result
//! carries the data), so the host wipes each answer before handing it back to `free`, which
//! wipes it again; JSON buffers are allocated at their final size, so growing them leaves no
//! copies behind.
//!
//! A table larger than version 1's is accepted (fields a later release appends are ignored);
//! a smaller one, or another version, is refused. Functions may be called from any thread,
//! concurrently. A plugin must unwind on panic (not `panic = "abort"`) for its panics to
//! become errors.
//!
//! Plugin authors do not write any of this by hand: [`export_provider!`](crate::export_provider)
//! turns a [`Provider`](crate::Provider) into that export. The host side is [`load_plugins`]; the process-wide
//! [`Registry::global`](crate::Registry::global) calls it with the process's environment.
//!
//! `inventory` registrations inside a plugin never reach the host (the library has its own
//! copy of the registry); the entry symbol is the only way in.
//!
//! The modules: [`abi`] (the C types), `wire` (the JSON both sides exchange), `export` (the
//! plugin side, behind [`export_provider!`](crate::export_provider)), `host` (loading,
//! checking and calling a library) and `discover` (which directories and files are plugins).
//! This is the only module of the workspace with `unsafe` code.

use std::path::PathBuf;

pub mod abi;
mod discover;
#[doc(hidden)]
pub mod export;
mod host;
mod wire;

pub use abi::{ABI_VERSION, ENTRY_SYMBOL, EntryFn, PluginBuf, PluginHeader, PluginTable};
pub use discover::{DEFAULT_PLUGIN_DIR, PLUGIN_PATH_ENV, load_plugins, plugin_dirs};
// `export_provider!` expands to calls of `$crate::plugin::__export::…`.
#[doc(hidden)]
pub use export as __export;
#[doc(hidden)]
pub use host::decode_answers_for_fuzzing;
pub use host::{PluginProvider, load_plugin, open_plugin};

use crate::error::Error;

/// Why a plugin, or a directory of plugins, was left out. [`Error::Plugin`] carries one,
/// with the path at fault; none carries a value that crossed the boundary.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// A directory named in `KT_SECRETS_PLUGIN_PATH` does not exist.
    #[error("directory named in {PLUGIN_PATH_ENV} does not exist")]
    DirNotFound,

    /// A plugin directory could not be read.
    #[error("cannot read directory: {0}")]
    DirUnreadable(#[source] std::io::Error),

    /// A plugin directory is something else.
    #[error("is not a directory")]
    NotADirectory,

    /// Someone other than the user (or root) could write to a plugin directory.
    #[error("refusing to load plugins from this directory: it {why}")]
    InsecureDir {
        /// Who could write to it, and how to fix it.
        why: String,
    },

    /// Someone other than the user (or root) could write to the library, its directory, or
    /// what a symlink to it points at.
    #[error("refusing to load it: {why}")]
    Insecure {
        /// Which file or directory, who could write to it, and how to fix it.
        why: String,
    },

    /// The library is a FIFO, socket or device: loading it could block.
    #[error("refusing to load it: it is a {kind}, not a regular file")]
    SpecialFile {
        /// `FIFO`, `socket`, `device`.
        kind: &'static str,
    },

    /// The library path is a directory.
    #[error("refusing to load it: it is a directory")]
    IsADirectory,

    /// The library, or its metadata, could not be read.
    #[error("cannot read it: {detail}")]
    Unreadable {
        /// The operating system's reason.
        detail: String,
    },

    /// The dynamic loader refused the file.
    #[error("cannot be loaded as a dynamic library: {detail}")]
    NotALibrary {
        /// The loader's reason, without the path it repeats.
        detail: String,
    },

    /// The library exports no [`ENTRY_SYMBOL`].
    #[error(
        "has no symbol {ENTRY_SYMBOL}: not a kt-secrets plugin (export one with kt_secrets_core::export_provider!)"
    )]
    NoEntrySymbol,

    /// The entry function returned no table.
    #[error("{ENTRY_SYMBOL} returned a null table")]
    NullTable,

    /// The plugin speaks another ABI version.
    #[error(
        "built for plugin ABI version {found}, but this kt-secrets speaks version {ABI_VERSION}; rebuild it against a matching kt-secrets-core"
    )]
    AbiVersion {
        /// The version in the plugin's table.
        found: u32,
    },

    /// The plugin's table is smaller than this ABI version's.
    #[error(
        "its ABI version {ABI_VERSION} table is {size} bytes, expected at least {want}; rebuild it against a matching kt-secrets-core"
    )]
    TableTooSmall {
        /// The size the table gives.
        size: u32,
        /// The size of this build's table.
        want: usize,
    },

    /// A function of the table is null.
    #[error("its table has no {0} function")]
    MissingFunction(&'static str),

    /// A function returned a null buffer.
    #[error("{during} returned no answer")]
    NoAnswer {
        /// The function called.
        during: String,
    },

    /// A function's answer is not the JSON the ABI describes (described by position only).
    #[error("{0}")]
    BadAnswer(String),

    /// The resolve context could not be encoded for the plugin.
    #[error("cannot encode the resolve context: {0}")]
    EncodeContext(String),

    /// `resolve` answered with data, mounts or origins that do not fit together.
    #[error("resolve returned an invalid result: {0}")]
    InvalidResult(#[source] Box<Error>),

    /// The provider panicked inside a boundary call.
    #[error(
        "provider {} panicked in {during}{} (the panic message is withheld: it may hold a secret value)",
        if .provider.is_empty() { "(unnamed)" } else { .provider.as_str() },
        .location.as_ref().map(|l| format!(" at {l}")).unwrap_or_default()
    )]
    Panicked {
        /// The provider's name, empty if it panicked before giving one.
        provider: String,
        /// The function called.
        during: String,
        /// Where it panicked (`file:line:column`), if known.
        location: Option<String>,
    },

    /// The plugin's provider name is not a valid provider name.
    #[error(
        "its provider name {0:?} is invalid: use lowercase letters, digits and '-', starting with a letter, at most 63 characters"
    )]
    InvalidName(String),

    /// Another provider of the registry has the plugin's provider name.
    #[error("provides {name:?}, which is already registered by {by}")]
    AlreadyRegistered {
        /// The provider name.
        name: String,
        /// Where the registered one came from.
        by: String,
    },

    /// The registry refused the provider.
    #[error("{0}")]
    Registry(#[source] Box<Error>),
}

impl PluginError {
    /// This failure, about the plugin or directory at `path`.
    pub fn at(self, path: impl Into<PathBuf>) -> Error {
        Error::Plugin {
            path: path.into(),
            source: self,
        }
    }
}
