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
//! | `resolve` | `resolve(ctx_ptr, ctx_len)`, the bytes being JSON of a [`ResolveContext`] | `{"ok": {"data": {"KEY": [bytes…]}, "mounts": [<Mount>…], "origins": {"KEY": <Origin>}}}` |
//! | `free` | `free(buf)` | releases a buffer the plugin returned |
//!
//! The context is `{"home": "/home/me", "env": {"VAR": "value", …}, "path": null}`. Instead of
//! `{"ok": …}`, any function may answer `{"err": E}`, where `E` is one of
//! `{"kind": "nothingFound", "provider": …, "looked": […]}`,
//! `{"kind": "provider", "provider": …, "message": …}`, `{"kind": "other", "message": …}` or
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
//! turns a [`Provider`] into that export. The host side is [`load_plugins`]; the process-wide
//! [`Registry::global`] calls it with the process's environment.
//!
//! `inventory` registrations inside a plugin never reach the host (the library has its own
//! copy of the registry); the entry symbol is the only way in.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::context::ResolveContext;
use crate::data::{SecretData, SecretValue};
use crate::error::{Error, Result};
use crate::mount::{Mount, Origin};
use crate::provider::{Provider, ProviderInfo, Resolved};
use crate::registry::{ProviderOrigin, Registry};

/// The version of the plugin ABI this build speaks. A plugin built for another version is
/// refused before any of its functions is called.
pub const ABI_VERSION: u32 = 1;

/// The symbol every plugin exports. The version is part of the name so that a future,
/// incompatible ABI can be told apart even before its table is read.
pub const ENTRY_SYMBOL: &str = "kt_secrets_plugin_v1";

/// `:`-separated directories searched for plugins, before [`DEFAULT_PLUGIN_DIR`].
pub const PLUGIN_PATH_ENV: &str = "KT_SECRETS_PLUGIN_PATH";

/// The per-user plugin directory, relative to the home directory.
pub const DEFAULT_PLUGIN_DIR: &str = ".config/kt-secrets/plugins";

/// A buffer owned by the plugin: `len` bytes at `ptr`, handed back through
/// [`PluginTable::free`]. A null `ptr` means the plugin could not produce an answer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PluginBuf {
    pub ptr: *mut u8,
    pub len: usize,
}

impl PluginBuf {
    const NULL: PluginBuf = PluginBuf {
        ptr: std::ptr::null_mut(),
        len: 0,
    };
}

/// The first two fields of every version of [`PluginTable`]: all the host reads before it
/// knows the version.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PluginHeader {
    pub abi_version: u32,
    /// `size_of` the plugin's table, in bytes.
    pub table_size: u32,
}

/// What [`ENTRY_SYMBOL`] points at, in ABI version 1. Functions may be called from any thread,
/// concurrently.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PluginTable {
    pub abi_version: u32,
    pub table_size: u32,
    pub name: Option<unsafe extern "C" fn() -> PluginBuf>,
    pub info: Option<unsafe extern "C" fn() -> PluginBuf>,
    /// Reads `ctx_len` bytes at `ctx_ptr` (owned by the host, valid during the call).
    pub resolve: Option<unsafe extern "C" fn(ctx_ptr: *const u8, ctx_len: usize) -> PluginBuf>,
    pub free: Option<unsafe extern "C" fn(buf: PluginBuf)>,
}

/// The type of [`ENTRY_SYMBOL`].
pub type EntryFn = unsafe extern "C" fn() -> *const PluginTable;

// ---------------------------------------------------------------------------------------------
// The wire format, shared by both sides.

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Response<T> {
    Ok(T),
    Err(WireError),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum WireError {
    NothingFound {
        provider: String,
        looked: Vec<String>,
    },
    Provider {
        provider: String,
        message: String,
    },
    Other {
        message: String,
    },
    Panic {
        during: String,
        location: Option<String>,
    },
}

impl WireError {
    fn from_error(e: Error) -> Self {
        match e {
            Error::NothingFound { provider, looked } => {
                WireError::NothingFound { provider, looked }
            }
            Error::Provider { provider, message } => WireError::Provider { provider, message },
            e => WireError::Other {
                message: e.to_string(),
            },
        }
    }
}

/// Serialises a [`Resolved`] without copying its values.
struct ResolvedOut<'a>(&'a Resolved);

impl Serialize for ResolvedOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            data: DataOut<'a>,
            mounts: &'a [Mount],
            origins: &'a BTreeMap<String, Origin>,
        }
        Out {
            data: DataOut(&self.0.data),
            mounts: &self.0.mounts,
            origins: &self.0.origins,
        }
        .serialize(s)
    }
}

struct DataOut<'a>(&'a SecretData);

impl Serialize for DataOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            m.serialize_entry(k, &BytesOut(v.expose()))?;
        }
        m.end()
    }
}

struct BytesOut<'a>(&'a [u8]);

impl Serialize for BytesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[derive(Deserialize)]
struct ResolvedIn {
    data: BTreeMap<String, BytesIn>,
    mounts: Vec<Mount>,
    #[serde(default)]
    origins: BTreeMap<String, Origin>,
}

/// A secret value read from the wire. Growing a `Vec` would leave copies of the value in
/// freed memory, so the buffer grows by hand, wiping each one it outgrows.
struct BytesIn(SecretValue);

impl<'de> Deserialize<'de> for BytesIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_bytes(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = BytesIn;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of bytes")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<BytesIn, E> {
        Ok(BytesIn(SecretValue::new(exact_copy(v))))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<BytesIn, A::Error> {
        let mut buf = Zeroizing::new(Vec::with_capacity(
            seq.size_hint().unwrap_or(0).min(1 << 16),
        ));
        while let Some(b) = seq.next_element::<u8>()? {
            if buf.len() == buf.capacity() {
                let mut bigger = Zeroizing::new(Vec::with_capacity((buf.capacity() * 2).max(64)));
                bigger.extend_from_slice(&buf);
                buf = bigger;
            }
            buf.push(b);
        }
        Ok(BytesIn(SecretValue::new(exact_copy(&buf))))
    }
}

/// A copy whose capacity is its length, so that turning it into a boxed slice does not move it.
fn exact_copy(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    out.extend_from_slice(v);
    out
}

/// JSON in a buffer allocated once at its final size: a growing buffer would leave copies of
/// the secret values it holds in freed memory.
fn to_exact_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Zeroizing<Vec<u8>>> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value)?;
    let mut out = Zeroizing::new(Vec::with_capacity(count.0));
    serde_json::to_writer(&mut *out, value)?;
    Ok(out)
}

/// Describes a JSON error by position only: serde's own messages can quote the offending
/// input, which may be a secret value.
fn json_problem(what: &str, e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let kind = match e.classify() {
        Category::Syntax => "is not valid JSON",
        Category::Eof => "is truncated JSON",
        Category::Data => "is JSON of the wrong shape",
        Category::Io => "could not be read",
    };
    format!("{what} {kind} (line {}, column {})", e.line(), e.column())
}

// ---------------------------------------------------------------------------------------------
// Plugin side: what `export_provider!` expands to calls these.

#[doc(hidden)]
pub mod __export {
    use std::cell::{Cell, RefCell};
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::Once;

    use super::*;

    thread_local! {
        static GUARDED: Cell<bool> = const { Cell::new(false) };
        static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    /// Panics inside a boundary call are reported to the host as errors with their location
    /// only: the panic message may hold a secret value, so it is neither printed (as the
    /// default hook would, to stderr) nor sent. Panics elsewhere go to the previous hook.
    fn install_hook() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if GUARDED.with(Cell::get) {
                    let at = info.location().map(ToString::to_string);
                    PANIC_AT.with(|p| *p.borrow_mut() = at);
                } else {
                    previous(info);
                }
            }));
        });
    }

    /// Runs `f` with panics caught, and returns its answer as a JSON buffer for the host.
    fn guarded<T>(
        during: &str,
        f: impl FnOnce() -> std::result::Result<T, WireError>,
        encode: impl FnOnce(&T) -> serde_json::Result<Zeroizing<Vec<u8>>>,
    ) -> PluginBuf {
        install_hook();
        let was = GUARDED.with(|g| g.replace(true));
        let caught = catch_unwind(AssertUnwindSafe(f));
        GUARDED.with(|g| g.set(was));
        let encoded = match caught {
            Ok(Ok(v)) => encode(&v),
            Ok(Err(e)) => to_exact_json(&Response::<()>::Err(e)),
            Err(payload) => {
                // Dropping a payload can itself panic; that must not unwind into the host.
                let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
                let location = PANIC_AT.with(|p| p.borrow_mut().take());
                to_exact_json(&Response::<()>::Err(WireError::Panic {
                    during: during.to_owned(),
                    location,
                }))
            }
        };
        match encoded {
            Ok(bytes) => into_buf(bytes),
            Err(_) => PluginBuf::NULL,
        }
    }

    fn into_buf(bytes: Zeroizing<Vec<u8>>) -> PluginBuf {
        let mut bytes = bytes;
        let boxed: Box<[u8]> = std::mem::take(&mut *bytes).into_boxed_slice();
        let len = boxed.len();
        PluginBuf {
            ptr: Box::into_raw(boxed).cast::<u8>(),
            len,
        }
    }

    /// `PluginTable::name` of an exported provider.
    pub fn name(provider: fn() -> &'static dyn Provider) -> PluginBuf {
        guarded(
            "name",
            || Ok(provider().name().to_owned()),
            |n| to_exact_json(&Response::Ok(n)),
        )
    }

    /// `PluginTable::info` of an exported provider.
    pub fn info(provider: fn() -> &'static dyn Provider) -> PluginBuf {
        guarded(
            "info",
            || Ok(provider().info()),
            |i| to_exact_json(&Response::Ok(i)),
        )
    }

    /// `PluginTable::resolve` of an exported provider.
    ///
    /// # Safety
    /// `ctx_ptr` points at `ctx_len` readable bytes (or is null), valid for the call.
    pub unsafe fn resolve(
        provider: fn() -> &'static dyn Provider,
        ctx_ptr: *const u8,
        ctx_len: usize,
    ) -> PluginBuf {
        let bytes: &[u8] = if ctx_ptr.is_null() {
            &[]
        } else {
            // SAFETY: the caller guarantees `ctx_len` readable bytes at `ctx_ptr`.
            unsafe { std::slice::from_raw_parts(ctx_ptr, ctx_len) }
        };
        guarded(
            "resolve",
            || {
                let ctx: ResolveContext =
                    serde_json::from_slice(bytes).map_err(|e| WireError::Other {
                        message: json_problem("the resolve context sent by the host", &e),
                    })?;
                let provider = provider();
                // A current-thread tokio runtime rather than `futures::executor::block_on`:
                // providers may use tokio's process, fs or timers (`gh auth token`, say),
                // which panic outside a tokio runtime. The plugin's tokio is its own copy, so
                // this never nests inside the host's runtime; one runtime per call keeps no
                // threads or tasks alive between calls.
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| WireError::Other {
                        message: format!("cannot start a tokio runtime: {e}"),
                    })?;
                rt.block_on(provider.resolve(&ctx))
                    .map_err(WireError::from_error)
            },
            |r| to_exact_json(&Response::Ok(ResolvedOut(r))),
        )
    }

    /// `PluginTable::free`: wipes and releases a buffer made by this plugin.
    ///
    /// # Safety
    /// `buf` was returned by one of this plugin's functions and not freed before.
    pub unsafe extern "C" fn free(buf: PluginBuf) {
        if buf.ptr.is_null() {
            return;
        }
        let slice = std::ptr::slice_from_raw_parts_mut(buf.ptr, buf.len);
        // SAFETY: `into_buf` made this pointer from a `Box<[u8]>` of `len` bytes.
        let mut boxed = unsafe { Box::from_raw(slice) };
        boxed.zeroize();
    }
}

/// Exports a [`Provider`] from a `cdylib` crate as a kt-secrets plugin: defines the entry
/// symbol `kt_secrets_plugin_v1` and its function table.
///
/// ```
/// use kt_secrets_core::{Looked, Provider, ProviderInfo, ResolveContext, Resolved, Result};
///
/// #[derive(Default)]
/// struct MyProvider;
///
/// #[kt_secrets_core::async_trait]
/// impl Provider for MyProvider {
///     fn name(&self) -> &str {
///         "my-provider"
///     }
///     fn info(&self) -> ProviderInfo {
///         ProviderInfo::default()
///     }
///     async fn resolve(&self, _ctx: &ResolveContext) -> Result<Resolved> {
///         Err(Looked::new().into_error("my-provider"))
///     }
/// }
///
/// kt_secrets_core::export_provider!(MyProvider::default());
/// ```
///
/// The expression is evaluated once, on first use. Its async `resolve` runs to completion on a
/// current-thread tokio runtime inside the plugin. A panic in the provider (or in the
/// expression) becomes an error naming the plugin and the panic's location, never an abort of
/// the host; the panic message is not shown, as it may hold a secret value.
///
/// Use it once per library: two crates that export a provider cannot be linked into one binary.
#[macro_export]
macro_rules! export_provider {
    ($provider:expr) => {
        const _: () = {
            fn __kt_provider() -> &'static dyn $crate::Provider {
                static PROVIDER: ::std::sync::OnceLock<::std::boxed::Box<dyn $crate::Provider>> =
                    ::std::sync::OnceLock::new();
                &**PROVIDER.get_or_init(|| ::std::boxed::Box::new($provider))
            }
            unsafe extern "C" fn __kt_name() -> $crate::plugin::PluginBuf {
                $crate::plugin::__export::name(__kt_provider)
            }
            unsafe extern "C" fn __kt_info() -> $crate::plugin::PluginBuf {
                $crate::plugin::__export::info(__kt_provider)
            }
            unsafe extern "C" fn __kt_resolve(
                ctx_ptr: *const u8,
                ctx_len: usize,
            ) -> $crate::plugin::PluginBuf {
                // SAFETY: the host passes a buffer valid for the call, as the ABI requires.
                unsafe { $crate::plugin::__export::resolve(__kt_provider, ctx_ptr, ctx_len) }
            }
            static TABLE: $crate::plugin::PluginTable = $crate::plugin::PluginTable {
                abi_version: $crate::plugin::ABI_VERSION,
                table_size: ::core::mem::size_of::<$crate::plugin::PluginTable>() as u32,
                name: ::core::option::Option::Some(__kt_name),
                info: ::core::option::Option::Some(__kt_info),
                resolve: ::core::option::Option::Some(__kt_resolve),
                free: ::core::option::Option::Some($crate::plugin::__export::free),
            };
            #[unsafe(no_mangle)]
            pub extern "C" fn kt_secrets_plugin_v1() -> *const $crate::plugin::PluginTable {
                &TABLE
            }
        };
    };
}

// ---------------------------------------------------------------------------------------------
// Host side.

/// A provider served by a loaded plugin. Its library stays loaded for the life of the process.
pub struct PluginProvider {
    name: String,
    info: ProviderInfo,
    path: PathBuf,
    table: PluginTable,
}

impl fmt::Debug for PluginProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginProvider")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish()
    }
}

impl PluginProvider {
    /// The library file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, message: impl Into<String>) -> Error {
        plugin_error(&self.path, message)
    }

    /// Calls `f`, checks and parses its answer, then wipes and frees the buffer.
    fn call<T: for<'de> Deserialize<'de>>(
        &self,
        during: &str,
        f: impl FnOnce() -> PluginBuf,
    ) -> Result<std::result::Result<T, WireError>> {
        call_table(&self.path, &self.table, during, f)
    }

    fn resolve_sync(&self, ctx: &ResolveContext) -> Result<Resolved> {
        let resolve = self
            .table
            .resolve
            .ok_or_else(|| self.error("its table has no resolve function"))?;
        let ctx_json = to_exact_json(ctx)
            .map_err(|e| self.error(format!("cannot encode the resolve context: {e}")))?;
        let answer = self.call::<ResolvedIn>("resolve", || {
            // SAFETY: the table passed the version and size checks, and `ctx_json` outlives
            // the call.
            unsafe { resolve(ctx_json.as_ptr(), ctx_json.len()) }
        })?;
        match answer {
            Ok(r) => self.check_resolved(r),
            Err(e) => Err(self.wire_error(e)),
        }
    }

    fn check_resolved(&self, r: ResolvedIn) -> Result<Resolved> {
        let invalid = |e: Error| self.error(format!("resolve returned an invalid result: {e}"));
        let mut out = Resolved::new();
        for (key, BytesIn(value)) in r.data {
            out.data.insert_new(key, value).map_err(invalid)?;
        }
        out.mounts = r.mounts;
        out.origins = r.origins;
        out.validate().map_err(invalid)?;
        Ok(out)
    }

    fn wire_error(&self, e: WireError) -> Error {
        wire_error(&self.path, &self.name, e)
    }
}

fn wire_error(path: &Path, provider_name: &str, e: WireError) -> Error {
    match e {
        WireError::NothingFound { provider, looked } => Error::NothingFound { provider, looked },
        WireError::Provider { provider, message } => Error::Provider { provider, message },
        WireError::Other { message } => Error::Provider {
            provider: provider_name.to_owned(),
            message,
        },
        WireError::Panic { during, location } => plugin_error(
            path,
            format!(
                "provider {} panicked in {during}{} (the panic message is withheld: it may hold a secret value)",
                if provider_name.is_empty() {
                    "(unnamed)"
                } else {
                    provider_name
                },
                location.map(|l| format!(" at {l}")).unwrap_or_default(),
            ),
        ),
    }
}

fn call_table<T: for<'de> Deserialize<'de>>(
    path: &Path,
    table: &PluginTable,
    during: &str,
    f: impl FnOnce() -> PluginBuf,
) -> Result<std::result::Result<T, WireError>> {
    let free = table
        .free
        .ok_or_else(|| plugin_error(path, "its table has no free function"))?;
    let buf = f();
    if buf.ptr.is_null() {
        return Err(plugin_error(path, format!("{during} returned no answer")));
    }
    // SAFETY: a non-null buffer from the plugin points at `len` bytes it owns until `free`.
    let bytes = unsafe { std::slice::from_raw_parts_mut(buf.ptr, buf.len) };
    let parsed = serde_json::from_slice::<Response<T>>(bytes);
    bytes.zeroize();
    // SAFETY: the buffer came from this plugin and is freed once.
    unsafe { free(buf) };
    match parsed {
        Ok(Response::Ok(v)) => Ok(Ok(v)),
        Ok(Response::Err(e)) => Ok(Err(e)),
        Err(e) => Err(plugin_error(
            path,
            json_problem(&format!("the answer of {during}"), &e),
        )),
    }
}

#[async_trait::async_trait]
impl Provider for PluginProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn info(&self) -> ProviderInfo {
        self.info.clone()
    }

    /// Runs the plugin's resolve on this thread: it is synchronous at the boundary, and, like
    /// the built-in providers' file reads, short.
    async fn resolve(&self, ctx: &ResolveContext) -> Result<Resolved> {
        self.resolve_sync(ctx)
    }
}

fn plugin_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Plugin {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// The directories searched for plugins, in order: those of `KT_SECRETS_PLUGIN_PATH`, then
/// `~/.config/kt-secrets/plugins`. The flag says whether the user named it explicitly (a
/// missing explicit directory is an error; a missing default one is not).
pub fn plugin_dirs(ctx: &ResolveContext) -> Vec<(PathBuf, bool)> {
    let mut dirs: Vec<(PathBuf, bool)> = ctx
        .env(PLUGIN_PATH_ENV)
        .unwrap_or_default()
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| (ctx.expand(d), true))
        .collect();
    dirs.push((ctx.home().join(DEFAULT_PLUGIN_DIR), false));
    dirs
}

/// Loads every plugin of [`plugin_dirs`] into `registry`. A plugin that fails is left out and
/// its error returned (each names the file or directory at fault); the others are loaded.
/// Files are taken in name order; only names ending in the platform's library suffix
/// (`.so`, `.dylib`, `.dll`) are considered, so a README next to them is not an error.
pub fn load_plugins(ctx: &ResolveContext, registry: &mut Registry) -> Vec<Error> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (dir, explicit) in plugin_dirs(ctx) {
        let files = match plugin_files(&dir, explicit) {
            Ok(files) => files,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for file in files {
            // The same library reached twice (a directory listed twice, or a symlink) is
            // loaded once rather than reported as a clash with itself.
            let canonical = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if !seen.insert(canonical) {
                continue;
            }
            if let Err(e) = load_plugin(&file, registry) {
                errors.push(e);
            }
        }
    }
    errors
}

fn plugin_files(dir: &Path, explicit: bool) -> Result<Vec<PathBuf>> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return if explicit {
                Err(plugin_error(
                    dir,
                    format!("directory named in {PLUGIN_PATH_ENV} does not exist"),
                ))
            } else {
                Ok(Vec::new())
            };
        }
        Err(e) => return Err(plugin_error(dir, format!("cannot read directory: {e}"))),
        Ok(m) if !m.is_dir() => {
            return Err(plugin_error(dir, "is not a directory"));
        }
        Ok(_) => {}
    }
    match insecure(dir) {
        Ok(None) => {}
        Ok(Some(why)) => {
            return Err(plugin_error(
                dir,
                format!("refusing to load plugins from this directory: it {why}"),
            ));
        }
        Err(e) => return Err(plugin_error(dir, format!("cannot read directory: {e}"))),
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| plugin_error(dir, format!("cannot read directory: {e}")))?;
    let suffix = std::env::consts::DLL_SUFFIX;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| plugin_error(dir, format!("cannot read directory: {e}")))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') || !name.ends_with(suffix) {
            tracing::debug!(file = %entry.path().display(), "not a plugin library name; ignored");
            continue;
        }
        files.push(entry.path());
    }
    files.sort();
    Ok(files)
}

/// Why `path` is unsafe to load from, if it is: writable by group or others, or owned by
/// someone other than the current user or root (as OpenSSH judges key files).
#[cfg(unix)]
fn insecure(path: &Path) -> std::io::Result<Option<String>> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    Ok(insecurity(meta.uid(), meta.mode(), me))
}

#[cfg(not(unix))]
fn insecure(_path: &Path) -> std::io::Result<Option<String>> {
    Ok(None)
}

/// Refuses a library that someone else could have written, directly, through its directory,
/// or through what a symlink points at.
fn check_library_secure(path: &Path) -> Result<()> {
    let refuse = |why: String| plugin_error(path, format!("refusing to load it: {why}"));
    let unreadable = |e: std::io::Error| plugin_error(path, format!("cannot read it: {e}"));
    if let Some(why) = insecure(path).map_err(unreadable)? {
        return Err(refuse(format!("the file {why}")));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Some(why) = insecure(dir).map_err(unreadable)? {
        return Err(refuse(format!("its directory {} {why}", dir.display())));
    }
    let real = std::fs::canonicalize(path).map_err(unreadable)?;
    if real != path {
        if let Some(why) = insecure(&real).map_err(unreadable)? {
            return Err(refuse(format!(
                "it links to {}, which {why}",
                real.display()
            )));
        }
        if let Some(real_dir) = real.parent()
            && let Some(why) = insecure(real_dir).map_err(unreadable)?
        {
            return Err(refuse(format!(
                "it links into {}, which {why}",
                real_dir.display()
            )));
        }
    }
    Ok(())
}

/// Why a file with owner `uid` and `mode` is unsafe to load for user `me`, if it is.
#[cfg_attr(not(unix), allow(dead_code))]
fn insecurity(uid: u32, mode: u32, me: u32) -> Option<String> {
    let perms = mode & 0o7777;
    if uid != me && uid != 0 {
        Some(format!(
            "is owned by uid {uid}, not by the current user (uid {me}) or root"
        ))
    } else if mode & 0o002 != 0 {
        Some(format!(
            "is writable by others (mode {perms:04o}); run chmod o-w on it"
        ))
    } else if mode & 0o020 != 0 {
        Some(format!(
            "is writable by its group (mode {perms:04o}); run chmod g-w on it"
        ))
    } else {
        None
    }
}

/// Loads one plugin library and adds its provider to `registry`. Every failure is an
/// [`Error::Plugin`] naming the file: unsafe permissions, not a loadable library, no entry
/// symbol, another ABI version or table size, a panic, bad JSON, or a provider name that is
/// invalid or already registered.
pub fn load_plugin(path: &Path, registry: &mut Registry) -> Result<()> {
    let provider = open_plugin(path)?;
    let name = provider.name.clone();
    if let Ok(existing) = registry.entry(&name) {
        return Err(plugin_error(
            path,
            format!(
                "provides {name:?}, which is already registered by {}",
                existing.origin
            ),
        ));
    }
    registry
        .add(
            Arc::new(provider),
            ProviderOrigin::Dynamic {
                path: path.to_path_buf(),
            },
        )
        .map_err(|e| plugin_error(path, e.to_string()))
}

/// Loads one plugin library and checks it, without registering it.
pub fn open_plugin(path: &Path) -> Result<PluginProvider> {
    // dlopen of a FIFO blocks until a writer appears, so only regular files are loaded; the
    // loader opens the path again, but a special file left in place by mistake is caught here.
    match crate::context::check_regular(path) {
        Ok(()) => {}
        Err(Error::SpecialFile { kind, .. }) => {
            return Err(plugin_error(
                path,
                format!("refusing to load it: it is a {kind}, not a regular file"),
            ));
        }
        Err(Error::IsADirectory { .. }) => {
            return Err(plugin_error(path, "refusing to load it: it is a directory"));
        }
        Err(e) => return Err(plugin_error(path, format!("cannot read it: {e}"))),
    }
    check_library_secure(path)?;

    // SAFETY: loading a library runs its initialisers. Plugins come only from directories the
    // user chose, that nobody else can write to (checked above), as with any program the
    // user installs.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| {
        let detail = e.to_string();
        let prefix = format!("{}: ", path.display());
        let detail = detail.strip_prefix(&prefix).unwrap_or(&detail).to_owned();
        plugin_error(
            path,
            format!("cannot be loaded as a dynamic library: {detail}"),
        )
    })?;
    // Never unloaded: providers keep pointers into it, and unloading Rust libraries that have
    // run thread-local destructors or spawned threads is unsound.
    let lib: &'static libloading::Library = Box::leak(Box::new(lib));

    let mut symbol = ENTRY_SYMBOL.as_bytes().to_vec();
    symbol.push(0);
    // SAFETY: the symbol is declared with the type the ABI gives it.
    let entry: EntryFn = *unsafe { lib.get::<EntryFn>(&symbol) }.map_err(|_| {
        plugin_error(
            path,
            format!(
                "has no symbol {ENTRY_SYMBOL}: not a kt-secrets plugin (export one with kt_secrets_core::export_provider!)"
            ),
        )
    })?;
    // SAFETY: the entry function takes no arguments and, per the ABI, only returns a pointer.
    let table_ptr = unsafe { entry() };
    if table_ptr.is_null() {
        return Err(plugin_error(
            path,
            format!("{ENTRY_SYMBOL} returned a null table"),
        ));
    }
    // SAFETY: every ABI version's table starts with this header.
    let header = unsafe { std::ptr::read(table_ptr.cast::<PluginHeader>()) };
    if header.abi_version != ABI_VERSION {
        return Err(plugin_error(
            path,
            format!(
                "built for plugin ABI version {}, but this kt-secrets speaks version {ABI_VERSION}; rebuild it against a matching kt-secrets-core",
                header.abi_version
            ),
        ));
    }
    let want = std::mem::size_of::<PluginTable>();
    if (header.table_size as usize) < want {
        return Err(plugin_error(
            path,
            format!(
                "its ABI version {ABI_VERSION} table is {} bytes, expected at least {want}; rebuild it against a matching kt-secrets-core",
                header.table_size
            ),
        ));
    }
    // SAFETY: version and size say the pointer holds at least a whole version-1 table.
    let table = unsafe { std::ptr::read(table_ptr) };

    let name_fn = table
        .name
        .ok_or_else(|| plugin_error(path, "its table has no name function"))?;
    let info_fn = table
        .info
        .ok_or_else(|| plugin_error(path, "its table has no info function"))?;
    // SAFETY: checked table; these functions take no arguments.
    let name: String = call_table(path, &table, "name", || unsafe { name_fn() })?
        .map_err(|e| wire_error(path, "", e))?;
    crate::registry::validate_provider_name(&name).map_err(|_| {
        plugin_error(
            path,
            format!(
                "its provider name {name:?} is invalid: use lowercase letters, digits and '-', starting with a letter, at most 63 characters"
            ),
        )
    })?;
    // SAFETY: as above.
    let info: ProviderInfo = call_table(path, &table, "info", || unsafe { info_fn() })?
        .map_err(|e| wire_error(path, &name, e))?;
    Ok(PluginProvider {
        name,
        info,
        path: path.to_path_buf(),
        table,
    })
}

impl Registry {
    /// The built-in providers plus every plugin from the default places
    /// (`KT_SECRETS_PLUGIN_PATH`, `~/.config/kt-secrets/plugins`, as `ctx` sees them), and the
    /// errors of the plugins that were left out.
    pub fn with_plugins(ctx: &ResolveContext) -> Result<(Registry, Vec<Error>)> {
        let mut r = Registry::builtin()?;
        let errors = load_plugins(ctx, &mut r);
        Ok((r, errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_rules() {
        assert_eq!(insecurity(1000, 0o100755, 1000), None);
        assert_eq!(insecurity(0, 0o040755, 1000), None);
        assert_eq!(insecurity(0, 0o100700, 0), None);
        let other = insecurity(1001, 0o100755, 1000).unwrap();
        assert!(other.contains("owned by uid 1001"), "{other}");
        let root_and_other = insecurity(1000, 0o100755, 0).unwrap();
        assert!(
            root_and_other.contains("owned by uid 1000"),
            "{root_and_other}"
        );
        let world = insecurity(1000, 0o100757, 1000).unwrap();
        assert!(world.contains("writable by others (mode 0757)"), "{world}");
        let group = insecurity(1000, 0o040775, 1000).unwrap();
        assert!(
            group.contains("writable by its group (mode 0775)"),
            "{group}"
        );
        // The sticky bit does not make a world-writable directory safe to load from.
        assert!(insecurity(0, 0o041777, 0).is_some());
    }

    #[test]
    fn dirs_in_order() {
        let ctx = ResolveContext::new("/h").with_env(PLUGIN_PATH_ENV, "/a::~/b:");
        assert_eq!(
            plugin_dirs(&ctx),
            vec![
                (PathBuf::from("/a"), true),
                (PathBuf::from("/h/b"), true),
                (PathBuf::from("/h/.config/kt-secrets/plugins"), false),
            ]
        );
    }

    #[test]
    fn json_errors_never_quote_the_input() {
        let e = serde_json::from_slice::<Response<ResolvedIn>>(
            br#"{"ok":{"data":{},"mounts":"canary-json-value"}}"#,
        )
        .err()
        .unwrap();
        assert!(
            e.to_string().contains("canary-json-value"),
            "serde quotes: {e}"
        );
        let shown = json_problem("the answer", &e);
        assert!(!shown.contains("canary"), "{shown}");
        assert!(shown.contains("wrong shape"), "{shown}");
    }

    #[test]
    fn values_round_trip_as_bytes() {
        let mut r = Resolved::new();
        r.add_env("TOKEN", vec![0u8, 255, 10, 34], Origin::Env("TOKEN".into()))
            .unwrap();
        let json = to_exact_json(&Response::Ok(ResolvedOut(&r))).unwrap();
        assert_eq!(json.len(), json.capacity());
        let back: Response<ResolvedIn> = serde_json::from_slice(&json).unwrap();
        let Response::Ok(back) = back else {
            panic!("not ok")
        };
        assert_eq!(back.data["TOKEN"].0.expose(), &[0u8, 255, 10, 34]);
        assert_eq!(back.mounts, r.mounts);
        assert_eq!(back.origins, r.origins);
    }

    #[test]
    fn a_long_value_survives_the_growing_buffer() {
        let value: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let json = serde_json::to_vec(&BytesOut(&value)).unwrap();
        let back: BytesIn = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.0.expose(), &value[..]);
    }
}
