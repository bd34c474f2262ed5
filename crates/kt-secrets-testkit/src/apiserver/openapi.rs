//! The OpenAPI v2 document of the loopback server, so kubectl validates manifests against it
//! as it would against a cluster.
//!
//! kubectl 1.32 validates on the client (`--validate=strict`, its default) against
//! `/openapi/v2`, fetched as gnostic's protobuf encoding of the Swagger 2.0 document: the JSON
//! form is not accepted there. `/openapi/v3` only tells kubectl whether the server checks fields
//! itself (the `fieldValidation` parameter of PATCH operations); this document lists no paths,
//! so kubectl does the check locally. A kind without a definition carrying its
//! `x-kubernetes-group-version-kind` is not checked at all, so every kind the server holds has
//! one, and the definitions are k8s-openapi's own schemas rather than hand-written copies.

use std::sync::OnceLock;

use k8s_openapi::Resource;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, Pod, PodTemplate, ReplicationController, Secret, Service, ServiceAccount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use k8s_openapi::schemars::JsonSchema;
use k8s_openapi::schemars::generate::{SchemaGenerator, SchemaSettings};
use prost::Message;
use serde_json::{Value, json};

/// The MIME type kubectl asks for (`Accept`).
pub(super) const PROTOBUF_V2: &str = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
/// The `Content-Type` of the protobuf answer: Go's MIME parser, which client-go runs on every
/// response, refuses the `@` of the requested type, so servers answer with this spelling.
pub(super) const PROTOBUF_V2_CONTENT_TYPE: &str =
    "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

const DEFINITIONS: &str = "#/definitions/";

/// The Swagger 2.0 document as JSON (what a cluster serves for `Accept: application/json`).
pub(super) fn v2_json() -> &'static [u8] {
    static DOC: OnceLock<Vec<u8>> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_vec(document()).expect("serialise the OpenAPI document"))
}

/// The same document in gnostic's protobuf encoding.
pub(super) fn v2_protobuf() -> &'static [u8] {
    static DOC: OnceLock<Vec<u8>> = OnceLock::new();
    DOC.get_or_init(|| to_proto_document(document()).encode_to_vec())
}

/// Generated once per process: the schemas of every kind are a few hundred definitions.
pub(super) fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build_document)
}

fn build_document() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = DEFINITIONS.trim_start_matches('#').into();
    let mut generator = SchemaGenerator::new(settings);
    let mut kinds = Vec::new();
    kinds.extend(kind_and_list::<ConfigMap>(&mut generator));
    kinds.extend(kind_and_list::<Namespace>(&mut generator));
    kinds.extend(kind_and_list::<Pod>(&mut generator));
    kinds.extend(kind_and_list::<Secret>(&mut generator));
    kinds.extend(kind_and_list::<ServiceAccount>(&mut generator));
    kinds.extend(kind_and_list::<Service>(&mut generator));
    kinds.extend(kind_and_list::<PodTemplate>(&mut generator));
    kinds.extend(kind_and_list::<ReplicationController>(&mut generator));
    kinds.extend(kind_and_list::<Deployment>(&mut generator));
    kinds.extend(kind_and_list::<StatefulSet>(&mut generator));
    kinds.extend(kind_and_list::<DaemonSet>(&mut generator));
    kinds.extend(kind_and_list::<ReplicaSet>(&mut generator));
    kinds.extend(kind_and_list::<Job>(&mut generator));
    kinds.extend(kind_and_list::<CronJob>(&mut generator));
    let mut definitions = generator.take_definitions(true);
    for (name, schema, gvk) in kinds {
        let mut schema = match schema {
            Some(s) => s,
            None => definitions
                .remove(&name)
                .unwrap_or_else(|| panic!("no definition generated for {name}")),
        };
        schema
            .as_object_mut()
            .unwrap_or_else(|| panic!("definition {name} is not an object"))
            .insert("x-kubernetes-group-version-kind".to_owned(), json!([gvk]));
        definitions.insert(name, schema);
    }
    json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes (kt-secrets loopback)", "version": format!("v1.{}.0", super::SERVED_MINOR)},
        "paths": {},
        "definitions": definitions,
    })
}

/// The definition name, the schema when it is not among the generator's definitions, and the
/// group-version-kind, of `T` and of its list.
fn kind_and_list<T: Resource + JsonSchema>(
    generator: &mut SchemaGenerator,
) -> [(String, Option<Value>, Value); 2] {
    let gvk = |kind: String| json!({"group": T::GROUP, "version": T::VERSION, "kind": kind});
    let item_ref = generator.subschema_for::<T>();
    let list_meta = generator.subschema_for::<ListMeta>();
    // k8s-openapi's `List<T>` has no schema of its own; this is the one Kubernetes publishes.
    let list = json!({
        "description": format!("{}List is a list of {}.", T::KIND, T::KIND),
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "items": {"type": "array", "items": Value::from(item_ref)},
            "kind": {"type": "string"},
            "metadata": Value::from(list_meta),
        },
        "required": ["items"],
    });
    [
        (T::schema_name().into_owned(), None, gvk(T::KIND.to_owned())),
        (
            format!("{}List", T::schema_name()),
            Some(list),
            gvk(format!("{}List", T::KIND)),
        ),
    ]
}

/// The subset of gnostic's `openapi_v2` messages (`openapiv2/OpenAPIv2.proto`) this document
/// uses, with the upstream field numbers.
mod pb {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Document {
        #[prost(string, tag = "1")]
        pub swagger: String,
        #[prost(message, optional, tag = "2")]
        pub info: Option<Info>,
        #[prost(message, optional, tag = "9")]
        pub definitions: Option<Definitions>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Info {
        #[prost(string, tag = "1")]
        pub title: String,
        #[prost(string, tag = "2")]
        pub version: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Definitions {
        #[prost(message, repeated, tag = "1")]
        pub additional_properties: Vec<NamedSchema>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct NamedSchema {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(message, optional, tag = "2")]
        pub value: Option<Schema>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Schema {
        #[prost(string, tag = "1")]
        pub xref: String,
        #[prost(string, tag = "2")]
        pub format: String,
        #[prost(string, tag = "4")]
        pub description: String,
        #[prost(string, repeated, tag = "19")]
        pub required: Vec<String>,
        #[prost(message, optional, tag = "21")]
        pub additional_properties: Option<AdditionalPropertiesItem>,
        #[prost(message, optional, tag = "22")]
        pub r#type: Option<TypeItem>,
        #[prost(message, optional, tag = "23")]
        pub items: Option<ItemsItem>,
        #[prost(message, optional, tag = "25")]
        pub properties: Option<Properties>,
        #[prost(message, repeated, tag = "31")]
        pub vendor_extension: Vec<NamedAny>,
    }

    /// A `oneof` upstream; at most one of the two is set.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct AdditionalPropertiesItem {
        #[prost(message, optional, boxed, tag = "1")]
        pub schema: Option<Box<Schema>>,
        #[prost(bool, optional, tag = "2")]
        pub boolean: Option<bool>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TypeItem {
        #[prost(string, repeated, tag = "1")]
        pub value: Vec<String>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ItemsItem {
        #[prost(message, repeated, tag = "1")]
        pub schema: Vec<Schema>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Properties {
        #[prost(message, repeated, tag = "1")]
        pub additional_properties: Vec<NamedSchema>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct NamedAny {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(message, optional, tag = "2")]
        pub value: Option<Any>,
    }

    /// Vendor extension values travel as YAML text (JSON is YAML).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Any {
        #[prost(string, tag = "2")]
        pub yaml: String,
    }
}

fn to_proto_document(doc: &Value) -> pb::Document {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    pb::Document {
        swagger: text(&doc["swagger"]),
        info: Some(pb::Info {
            title: text(&doc["info"]["title"]),
            version: text(&doc["info"]["version"]),
        }),
        definitions: Some(pb::Definitions {
            additional_properties: named_schemas(&doc["definitions"], "definitions"),
        }),
    }
}

fn named_schemas(map: &Value, at: &str) -> Vec<pb::NamedSchema> {
    let Some(map) = map.as_object() else {
        panic!("{at} is not an object");
    };
    map.iter()
        .map(|(name, schema)| pb::NamedSchema {
            name: name.clone(),
            value: Some(to_proto_schema(schema, &format!("{at}.{name}"))),
        })
        .collect()
}

/// Transcodes one JSON schema. A keyword it does not know is a panic, not a silent drop: a
/// dropped keyword would make kubectl accept what a cluster rejects.
fn to_proto_schema(schema: &Value, at: &str) -> pb::Schema {
    let Some(obj) = schema.as_object() else {
        panic!("schema at {at} is not an object: {schema}");
    };
    let mut out = pb::Schema::default();
    for (key, value) in obj {
        let text = || {
            value
                .as_str()
                .unwrap_or_else(|| panic!("{key} at {at} is not a string"))
                .to_owned()
        };
        match key.as_str() {
            "$ref" => out.xref = text(),
            "format" => out.format = text(),
            "description" => out.description = text(),
            "required" => out.required = strings(value, key, at),
            "type" => {
                let value = match value {
                    Value::String(s) => vec![s.clone()],
                    _ => strings(value, key, at),
                };
                out.r#type = Some(pb::TypeItem { value });
            }
            "items" => {
                let schema = match value {
                    Value::Array(all) => all
                        .iter()
                        .map(|s| to_proto_schema(s, &format!("{at}[]")))
                        .collect(),
                    one => vec![to_proto_schema(one, &format!("{at}[]"))],
                };
                out.items = Some(pb::ItemsItem { schema });
            }
            "properties" => {
                out.properties = Some(pb::Properties {
                    additional_properties: named_schemas(value, at),
                });
            }
            "additionalProperties" => {
                out.additional_properties = Some(match value {
                    Value::Bool(b) => pb::AdditionalPropertiesItem {
                        schema: None,
                        boolean: Some(*b),
                    },
                    s => pb::AdditionalPropertiesItem {
                        schema: Some(Box::new(to_proto_schema(s, &format!("{at}{{}}")))),
                        boolean: None,
                    },
                });
            }
            k if k.starts_with("x-") => out.vendor_extension.push(pb::NamedAny {
                name: k.to_owned(),
                value: Some(pb::Any {
                    yaml: value.to_string(),
                }),
            }),
            other => panic!("schema keyword {other:?} at {at} has no OpenAPI v2 transcoding"),
        }
    }
    out
}

fn strings(value: &Value, key: &str, at: &str) -> Vec<String> {
    value
        .as_array()
        .and_then(|all| {
            all.iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        })
        .unwrap_or_else(|| panic!("{key} at {at} is not a list of strings"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn definitions() -> &'static Map<String, Value> {
        document()["definitions"].as_object().unwrap()
    }

    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves_within_the_document() {
        let defs = definitions();
        let mut all = Vec::new();
        refs(document(), &mut all);
        assert!(all.len() > 100, "only {} references", all.len());
        for r in all {
            let name = r
                .strip_prefix(DEFINITIONS)
                .unwrap_or_else(|| panic!("reference {r} is not to a definition"));
            assert!(defs.contains_key(name), "dangling reference {r}");
        }
        for name in [
            "io.k8s.api.core.v1.Container",
            "io.k8s.api.core.v1.Volume",
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
            "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
            "io.k8s.apimachinery.pkg.api.resource.Quantity",
        ] {
            assert!(defs.contains_key(name), "{name} missing");
        }
    }

    #[test]
    fn kinds_and_lists_carry_their_group_version_kind() {
        let defs = definitions();
        let gvk = |name: &str| defs[name]["x-kubernetes-group-version-kind"].clone();
        assert_eq!(
            gvk("io.k8s.api.core.v1.Pod"),
            json!([{"group": "", "version": "v1", "kind": "Pod"}])
        );
        assert_eq!(
            gvk("io.k8s.api.core.v1.SecretList"),
            json!([{"group": "", "version": "v1", "kind": "SecretList"}])
        );
        assert_eq!(
            defs["io.k8s.api.core.v1.SecretList"]["properties"]["items"]["items"]["$ref"],
            "#/definitions/io.k8s.api.core.v1.Secret"
        );
        let tagged = defs
            .values()
            .filter(|d| d.get("x-kubernetes-group-version-kind").is_some())
            .count();
        assert_eq!(tagged, 28, "fourteen kinds and their lists");
        assert_eq!(
            gvk("io.k8s.api.apps.v1.Deployment"),
            json!([{"group": "apps", "version": "v1", "kind": "Deployment"}])
        );
        assert_eq!(
            gvk("io.k8s.api.batch.v1.CronJob"),
            json!([{"group": "batch", "version": "v1", "kind": "CronJob"}])
        );
        // Structural types keep their fields and required ones, which is what kubectl checks.
        let spec = &defs["io.k8s.api.core.v1.PodSpec"];
        assert_eq!(spec["required"], json!(["containers"]));
        assert_eq!(
            spec["properties"]["terminationGracePeriodSeconds"]["type"],
            "integer"
        );
    }

    #[test]
    fn the_protobuf_form_carries_every_definition() {
        let decoded = pb::Document::decode(v2_protobuf()).unwrap();
        assert_eq!(decoded.swagger, "2.0");
        let defs = decoded.definitions.unwrap().additional_properties;
        assert_eq!(defs.len(), definitions().len());
        let pod = defs
            .iter()
            .find(|d| d.name == "io.k8s.api.core.v1.Pod")
            .and_then(|d| d.value.as_ref())
            .unwrap();
        assert_eq!(pod.r#type.as_ref().unwrap().value, ["object"]);
        let gvk = &pod.vendor_extension[0];
        assert_eq!(gvk.name, "x-kubernetes-group-version-kind");
        let yaml: Value = serde_json::from_str(&gvk.value.as_ref().unwrap().yaml).unwrap();
        assert_eq!(yaml[0]["kind"], "Pod");
        let secret = defs
            .iter()
            .find(|d| d.name == "io.k8s.api.core.v1.Secret")
            .and_then(|d| d.value.as_ref())
            .unwrap();
        let data = secret
            .properties
            .as_ref()
            .unwrap()
            .additional_properties
            .iter()
            .find(|p| p.name == "data")
            .and_then(|p| p.value.as_ref())
            .unwrap();
        let values = data
            .additional_properties
            .as_ref()
            .and_then(|a| a.schema.as_ref())
            .unwrap();
        assert_eq!(values.format, "byte");
    }

    #[test]
    #[should_panic(expected = "schema keyword \"oneOf\" at probe has no OpenAPI v2 transcoding")]
    fn unknown_keywords_are_refused() {
        to_proto_schema(&json!({"oneOf": [{"type": "string"}]}), "probe");
    }
}
