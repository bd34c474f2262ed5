//! OpenAI: `OPENAI_API_KEY` (and the optional organisation, project and base URL) as the
//! same env vars in the container, which is where the `openai` SDKs look.

use kt_secrets_core::shapes::{Declared, EnvShape, EnvVar, Shape};

pub const PROVIDER: Declared = Declared {
    name: "openai",
    description: "OpenAI API key, organisation, project and base URL",
    shapes: &[Shape::Env(EnvShape {
        vars: &[
            EnvVar::same(&["OPENAI_API_KEY"], true),
            EnvVar::same(&["OPENAI_ORG_ID"], false),
            EnvVar::same(&["OPENAI_PROJECT_ID"], false),
            EnvVar::same(&["OPENAI_BASE_URL"], false),
        ],
    })],
};

kt_secrets_core::register_provider!(PROVIDER);
