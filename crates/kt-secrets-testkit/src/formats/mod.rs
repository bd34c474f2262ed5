//! Builders for credential files in their real formats, for fixture HOMEs.

pub mod gh;
pub mod netrc;
