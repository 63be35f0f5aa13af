//! Schema pieces of the OpenAPI document that the wire types in `actions`
//! and the handlers in `http` both use; apart from `http` so that
//! `actions` need not know of HTTP to describe a query field.

/// A string parameter that takes one of `values`, for the OpenAPI
/// document (`#[param(schema_with = …)]`, which drops the field's doc
/// comment, hence `description`); the handler keeps its own message for
/// anything else.
pub fn one_of(values: &[&str], description: &str) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .build()
}
