//! The C side of the boundary: the entry symbol, the table of functions it returns, and the
//! buffers that cross it. Both the host and [`export_provider!`](crate::export_provider) use
//! these types; their layout is the ABI.

/// The version of the plugin ABI this build speaks. A plugin built for another version is
/// refused before any of its functions is called.
pub const ABI_VERSION: u32 = 1;

/// The symbol every plugin exports. The version is part of the name so that a future,
/// incompatible ABI can be told apart even before its table is read.
pub const ENTRY_SYMBOL: &str = "kt_secrets_plugin_v1";

/// A buffer owned by the plugin: `len` bytes at `ptr`, handed back through
/// [`PluginTable::free`]. A null `ptr` means the plugin could not produce an answer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PluginBuf {
    /// The first byte; null when there is no answer.
    pub ptr: *mut u8,
    /// How many bytes there are at `ptr`.
    pub len: usize,
}

impl PluginBuf {
    pub(super) const NULL: PluginBuf = PluginBuf {
        ptr: std::ptr::null_mut(),
        len: 0,
    };
}

/// The first two fields of every version of [`PluginTable`]: all the host reads before it
/// knows the version.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PluginHeader {
    /// [`ABI_VERSION`] of the plugin.
    pub abi_version: u32,
    /// `size_of` the plugin's table, in bytes.
    pub table_size: u32,
}

/// What [`ENTRY_SYMBOL`] points at, in ABI version 1. Functions may be called from any thread,
/// concurrently.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PluginTable {
    /// [`ABI_VERSION`] of the plugin: 1.
    pub abi_version: u32,
    /// `size_of` this table, in bytes; a later version may append fields.
    pub table_size: u32,
    /// The provider's name: `{"ok": "envdir"}`.
    pub name: Option<unsafe extern "C" fn() -> PluginBuf>,
    /// The provider's listing: `{"ok": <ProviderInfo>}`.
    pub info: Option<unsafe extern "C" fn() -> PluginBuf>,
    /// Reads `ctx_len` bytes at `ctx_ptr` (owned by the host, valid during the call).
    pub resolve: Option<unsafe extern "C" fn(ctx_ptr: *const u8, ctx_len: usize) -> PluginBuf>,
    /// Releases a buffer that one of the other functions returned.
    pub free: Option<unsafe extern "C" fn(buf: PluginBuf)>,
}

/// The type of [`ENTRY_SYMBOL`].
pub type EntryFn = unsafe extern "C" fn() -> *const PluginTable;
