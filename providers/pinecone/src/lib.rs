//! Pinecone: `PINECONE_API_KEY`, and the optional `PINECONE_CONTROLLER_HOST` of another
//! control plane (pinecone/config/pinecone_config.py, `PineconeConfig.build`), as the same env
//! vars in the container.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape};

/// The Pinecone provider; the crate registers it, so a program that links the crate finds it
/// in `Registry::builtin()`.
pub const PROVIDER: Declared = Declared {
    name: "pinecone",
    description: "Pinecone API key (and control plane host)",
    shapes: &[Shape::Env(EnvShape {
        vars: &[
            EnvVar::same(&["PINECONE_API_KEY"], true),
            EnvVar::same(&["PINECONE_CONTROLLER_HOST"], false),
        ],
    })],
};

kt_secrets_core::register_provider!(PROVIDER);
