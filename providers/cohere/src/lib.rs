//! Cohere: `CO_API_KEY`, else the older `COHERE_API_KEY`. The container gets the key under
//! both names, so every version of the `cohere` SDK finds it.

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape};

pub const PROVIDER: Declared = Declared {
    name: "cohere",
    description: "Cohere API key",
    shapes: &[Shape::Env(EnvShape {
        vars: &[EnvVar {
            key: "CO_API_KEY",
            sources: &["CO_API_KEY", "COHERE_API_KEY"],
            targets: &["CO_API_KEY", "COHERE_API_KEY"],
            required: true,
        }],
    })],
};

kt_secrets_core::register_provider!(PROVIDER);
