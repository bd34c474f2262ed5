//! Pinecone: `PINECONE_API_KEY` as the same env var in the container.

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape};

pub const PROVIDER: Declared = Declared {
    name: "pinecone",
    description: "Pinecone API key",
    shapes: &[Shape::Env(EnvShape {
        vars: &[EnvVar::same(&["PINECONE_API_KEY"], true)],
    })],
};

kt_secrets_core::register_provider!(PROVIDER);
