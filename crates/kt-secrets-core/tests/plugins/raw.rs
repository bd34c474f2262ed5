//! A plugin written by hand against the C ABI, as a C author would, with no kt-secrets crate:
//! it checks the ABI as documented in `src/plugin.rs`, independently of `export_provider!`.
//! The tests compile it with `rustc --cfg 'defect="…"'` to get one library per defect:
//!
//! - `none`: a working plugin named `raw`;
//! - `no_entry`: exports `kt_secrets_plugin_v0` instead of `kt_secrets_plugin_v1`;
//! - `abi_v2`: a table of ABI version 2;
//! - `short_table`: a version-1 table that ends after its `name` function;
//! - `bad_name`: names itself `Not A Name`;
//! - `bad_info_json`: `info` answers truncated JSON;
//! - `bad_resolve_json`: `resolve` answers JSON of the wrong shape, quoting a canary value.

#![allow(dead_code, unexpected_cfgs)]

#[repr(C)]
pub struct Buf {
    ptr: *mut u8,
    len: usize,
}

#[repr(C)]
pub struct TableV1 {
    abi_version: u32,
    table_size: u32,
    name: Option<extern "C" fn() -> Buf>,
    info: Option<extern "C" fn() -> Buf>,
    resolve: Option<extern "C" fn(*const u8, usize) -> Buf>,
    free: Option<extern "C" fn(Buf)>,
}

/// What a table of an older pre-release looked like: no `info`, `resolve` or `free`.
#[repr(C)]
pub struct ShortTable {
    abi_version: u32,
    table_size: u32,
    name: Option<extern "C" fn() -> Buf>,
}

fn buf(s: &str) -> Buf {
    let b: Box<[u8]> = s.as_bytes().into();
    let len = b.len();
    Buf {
        ptr: Box::into_raw(b).cast::<u8>(),
        len,
    }
}

extern "C" fn free(b: Buf) {
    // SAFETY: `b` was made by `buf` and is freed once, as the ABI requires of the host.
    unsafe {
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
            b.ptr, b.len,
        )))
    }
}

extern "C" fn name() -> Buf {
    if cfg!(defect = "bad_name") {
        buf(r#"{"ok":"Not A Name"}"#)
    } else {
        buf(r#"{"ok":"raw"}"#)
    }
}

extern "C" fn info() -> Buf {
    if cfg!(defect = "bad_info_json") {
        buf(r#"{"ok":{"description":"#)
    } else {
        buf(
            r#"{"ok":{"description":"hand-written plugin","sources":["nothing"],"targets":["env RAW"],"default_dirs":[]}}"#,
        )
    }
}

extern "C" fn resolve(_ctx: *const u8, _len: usize) -> Buf {
    if cfg!(defect = "bad_resolve_json") {
        buf(r#"{"ok":{"data":{"RAW":[104,105]},"mounts":"canary-raw-json-value"}}"#)
    } else {
        buf(
            r#"{"ok":{"data":{"RAW":[104,105]},"mounts":[{"type":"env","var":"RAW","key":"RAW"}],"origins":{"RAW":{"type":"literal"}}}}"#,
        )
    }
}

#[cfg(not(any(defect = "abi_v2", defect = "short_table")))]
static TABLE: TableV1 = TableV1 {
    abi_version: 1,
    table_size: std::mem::size_of::<TableV1>() as u32,
    name: Some(name),
    info: Some(info),
    resolve: Some(resolve),
    free: Some(free),
};

#[cfg(defect = "abi_v2")]
static TABLE: TableV1 = TableV1 {
    abi_version: 2,
    table_size: std::mem::size_of::<TableV1>() as u32,
    name: Some(name),
    info: Some(info),
    resolve: Some(resolve),
    free: Some(free),
};

#[cfg(defect = "short_table")]
static TABLE: ShortTable = ShortTable {
    abi_version: 1,
    table_size: std::mem::size_of::<ShortTable>() as u32,
    name: Some(name),
};

#[cfg(not(defect = "no_entry"))]
#[unsafe(no_mangle)]
pub extern "C" fn kt_secrets_plugin_v1() -> *const u8 {
    (&raw const TABLE).cast::<u8>()
}

#[cfg(defect = "no_entry")]
#[unsafe(no_mangle)]
pub extern "C" fn kt_secrets_plugin_v0() -> *const u8 {
    (&raw const TABLE).cast::<u8>()
}
