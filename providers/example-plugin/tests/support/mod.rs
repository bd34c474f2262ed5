//! The example plugin's tests load the built library through the loader, exactly as users
//! do; building and installing it is shared test support of the testkit.

pub use kt_secrets_testkit::plugins::{build_cdylib, install_plugin as install, lib_name};
