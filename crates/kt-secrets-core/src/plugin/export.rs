//! The plugin side: what [`export_provider!`](crate::export_provider) expands to. Each call
//! runs the provider with panics caught and answers the host with a JSON buffer.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use zeroize::{Zeroize, Zeroizing};

use super::abi::PluginBuf;
use super::wire::{ResolvedOut, Response, WireError, json_problem, to_exact_json};
use crate::context::ResolveContext;
use crate::provider::Provider;

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
