//! The host side: loading a plugin library after checking who could have written it,
//! checking its table, and calling it as a [`Provider`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use zeroize::Zeroize;

use super::PluginError;
use super::abi::{ABI_VERSION, ENTRY_SYMBOL, EntryFn, PluginBuf, PluginHeader, PluginTable};
use super::wire::{BytesIn, ResolvedIn, Response, WireError, json_problem, to_exact_json};
use crate::context::ResolveContext;
use crate::error::{Error, Result};
use crate::provider::{Provider, ProviderInfo, Resolved};
use crate::registry::{ProviderOrigin, Registry};

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

    fn error(&self, e: PluginError) -> Error {
        e.at(&self.path)
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
            .ok_or_else(|| self.error(PluginError::MissingFunction("resolve")))?;
        let ctx_json = to_exact_json(ctx)
            .map_err(|e| self.error(PluginError::EncodeContext(e.to_string())))?;
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
        resolved_from(r).map_err(|e| self.error(PluginError::InvalidResult(Box::new(e))))
    }

    fn wire_error(&self, e: WireError) -> Error {
        wire_error(&self.path, &self.name, e)
    }
}

/// A plugin's `resolve` answer as the host keeps it: keys, mounts and origins checked.
fn resolved_from(r: ResolvedIn) -> Result<Resolved> {
    let mut out = Resolved::new();
    for (key, BytesIn(value)) in r.data {
        out.data.insert_new(key, value)?;
    }
    out.mounts = r.mounts;
    out.origins = r.origins;
    out.validate()?;
    Ok(out)
}

/// How the host decodes a plugin's answers, from bytes, for the fuzz targets in `fuzz/`: the
/// `resolve` answer (checked as for a loaded plugin) and the `info` answer. Not an API.
#[doc(hidden)]
pub fn decode_answers_for_fuzzing(bytes: &[u8]) -> (Result<Resolved>, Result<ProviderInfo>) {
    let path = Path::new("fuzz-input");
    let bad = |during: &str, e: &serde_json::Error| {
        PluginError::BadAnswer(json_problem(&format!("the answer of {during}"), e)).at(path)
    };
    let resolved = match serde_json::from_slice::<Response<ResolvedIn>>(bytes) {
        Ok(Response::Ok(r)) => resolved_from(r),
        Ok(Response::Err(e)) => Err(wire_error(path, "fuzz", e)),
        Err(e) => Err(bad("resolve", &e)),
    };
    let info = match serde_json::from_slice::<Response<ProviderInfo>>(bytes) {
        Ok(Response::Ok(i)) => Ok(i),
        Ok(Response::Err(e)) => Err(wire_error(path, "fuzz", e)),
        Err(e) => Err(bad("info", &e)),
    };
    (resolved, info)
}

fn wire_error(path: &Path, provider_name: &str, e: WireError) -> Error {
    match e {
        WireError::NothingFound { provider, looked } => Error::NothingFound { provider, looked },
        WireError::Provider {
            provider,
            path: Some(file),
            message,
        } => Error::provider_in(provider, file, message),
        WireError::Provider {
            provider,
            path: None,
            message,
        } => Error::provider(provider, message),
        WireError::Other { message } => Error::provider(provider_name, message),
        WireError::Panic { during, location } => PluginError::Panicked {
            provider: provider_name.to_owned(),
            during,
            location,
        }
        .at(path),
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
        .ok_or_else(|| PluginError::MissingFunction("free").at(path))?;
    let buf = f();
    if buf.ptr.is_null() {
        return Err(PluginError::NoAnswer {
            during: during.to_owned(),
        }
        .at(path));
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
        Err(e) => Err(
            PluginError::BadAnswer(json_problem(&format!("the answer of {during}"), &e)).at(path),
        ),
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

/// Why `path` is unsafe to load from, if it is: writable by group or others, or owned by
/// someone other than the current user or root (as OpenSSH judges key files).
#[cfg(unix)]
pub(super) fn insecure(path: &Path) -> std::io::Result<Option<String>> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    Ok(insecurity(meta.uid(), meta.mode(), me))
}

#[cfg(not(unix))]
pub(super) fn insecure(_path: &Path) -> std::io::Result<Option<String>> {
    Ok(None)
}

/// Refuses a library that someone else could have written, directly, through its directory,
/// or through what a symlink points at.
fn check_library_secure(path: &Path) -> Result<()> {
    let refuse = |why: String| PluginError::Insecure { why }.at(path);
    let unreadable = |e: std::io::Error| {
        PluginError::Unreadable {
            detail: e.to_string(),
        }
        .at(path)
    };
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
        return Err(PluginError::AlreadyRegistered {
            name,
            by: existing.origin.to_string(),
        }
        .at(path));
    }
    registry
        .add(
            Arc::new(provider),
            ProviderOrigin::Dynamic {
                path: path.to_path_buf(),
            },
        )
        .map_err(|e| PluginError::Registry(Box::new(e)).at(path))
}

/// Loads one plugin library and checks it, without registering it.
pub fn open_plugin(path: &Path) -> Result<PluginProvider> {
    // dlopen of a FIFO blocks until a writer appears, so only regular files are loaded; the
    // loader opens the path again, but a special file left in place by mistake is caught here.
    match crate::context::check_regular(path) {
        Ok(()) => {}
        Err(Error::SpecialFile { kind, .. }) => {
            return Err(PluginError::SpecialFile { kind }.at(path));
        }
        Err(Error::IsADirectory { .. }) => {
            return Err(PluginError::IsADirectory.at(path));
        }
        Err(e) => {
            return Err(PluginError::Unreadable {
                detail: e.to_string(),
            }
            .at(path));
        }
    }
    check_library_secure(path)?;

    // SAFETY: loading a library runs its initialisers. Plugins come only from directories the
    // user chose, that nobody else can write to (checked above), as with any program the
    // user installs.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| {
        let detail = e.to_string();
        let prefix = format!("{}: ", path.display());
        let detail = detail.strip_prefix(&prefix).unwrap_or(&detail).to_owned();
        PluginError::NotALibrary { detail }.at(path)
    })?;
    // Never unloaded: providers keep pointers into it, and unloading Rust libraries that have
    // run thread-local destructors or spawned threads is unsound.
    let lib: &'static libloading::Library = Box::leak(Box::new(lib));

    let mut symbol = ENTRY_SYMBOL.as_bytes().to_vec();
    symbol.push(0);
    // SAFETY: the symbol is declared with the type the ABI gives it.
    let entry: EntryFn =
        *unsafe { lib.get::<EntryFn>(&symbol) }.map_err(|_| PluginError::NoEntrySymbol.at(path))?;
    // SAFETY: the entry function takes no arguments and, per the ABI, only returns a pointer.
    let table_ptr = unsafe { entry() };
    if table_ptr.is_null() {
        return Err(PluginError::NullTable.at(path));
    }
    // SAFETY: every ABI version's table starts with this header.
    let header = unsafe { std::ptr::read(table_ptr.cast::<PluginHeader>()) };
    if header.abi_version != ABI_VERSION {
        return Err(PluginError::AbiVersion {
            found: header.abi_version,
        }
        .at(path));
    }
    let want = std::mem::size_of::<PluginTable>();
    if (header.table_size as usize) < want {
        return Err(PluginError::TableTooSmall {
            size: header.table_size,
            want,
        }
        .at(path));
    }
    // SAFETY: version and size say the pointer holds at least a whole version-1 table.
    let table = unsafe { std::ptr::read(table_ptr) };

    let name_fn = table
        .name
        .ok_or_else(|| PluginError::MissingFunction("name").at(path))?;
    let info_fn = table
        .info
        .ok_or_else(|| PluginError::MissingFunction("info").at(path))?;
    // SAFETY: checked table; these functions take no arguments.
    let name: String = call_table(path, &table, "name", || unsafe { name_fn() })?
        .map_err(|e| wire_error(path, "", e))?;
    crate::validate::validate_provider_name(&name)
        .map_err(|_| PluginError::InvalidName(name.clone()).at(path))?;
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
}
