//! OpenAPI schemas (feature `openapi`) for the types whose JSON form is not what a derive
//! would see: validated newtypes (a string or number with a rule) and [`Ticket`], whose
//! JSON keeps the original field names.
//!
//! The other types derive [`utoipa::ToSchema`] where they are defined; the office
//! settings' fields take their rules from here (`schema_with`).
//!
//! ```
//! use utoipa::{PartialSchema, ToSchema};
//! use tickets_core::{DeskId, Ticket};
//!
//! assert_eq!(Ticket::name(), "Ticket");
//! let desk = serde_json::to_value(DeskId::schema()).unwrap();
//! assert_eq!(desk["pattern"], "^[A-Za-z0-9_-]{1,16}$");
//! ```

use std::borrow::Cow;

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::model::TicketJson;
use crate::{BusinessDay, DeskId, IdempotencyKey, Service, Ticket, TicketNumber};

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .description(Some(description))
}

/// Declares a named schema built by `$schema`.
macro_rules! named_schema {
    ($ty:ty, $name:literal, $schema:expr) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                let build: fn() -> ObjectBuilder = $schema;
                RefOr::T(Schema::Object(build().build()))
            }
        }

        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

named_schema!(TicketNumber, "TicketNumber", || {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Integer))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .maximum(Some(TicketNumber::MAX))
        .description(Some("A ticket number of the day, from 1."))
        .examples([42])
});

named_schema!(DeskId, "DeskId", || {
    string("A desk (\"guichet\"): 1 to 16 letters, digits, '-' or '_'. The default desk is \"1\".")
        .pattern(Some("^[A-Za-z0-9_-]{1,16}$"))
        .min_length(Some(1))
        .max_length(Some(16))
        .examples(["3"])
});

named_schema!(Service, "Service", || {
    string("The service a ticket is for: 1 to 32 letters, digits, '-' or '_'. Default \"poste\".")
        .pattern(Some("^[A-Za-z0-9_-]{1,32}$"))
        .min_length(Some(1))
        .max_length(Some(32))
        .examples(["poste"])
});

named_schema!(IdempotencyKey, "IdempotencyKey", || {
    string(
        "A client-chosen key that makes a take safe to retry: 1 to 128 visible ASCII characters.",
    )
    .pattern(Some("^[!-~]{1,128}$"))
    .min_length(Some(1))
    .max_length(Some(128))
});

named_schema!(BusinessDay, "BusinessDay", || {
    string("A business day, YYYY-MM-DD in the office's time zone.")
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .examples(["2026-11-24"])
});

impl PartialSchema for Ticket {
    fn schema() -> RefOr<Schema> {
        TicketJson::schema()
    }
}

impl ToSchema for Ticket {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Ticket")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        TicketJson::schemas(schemas);
    }
}

/// A text the pages show (an office's name, a welcome text): at least one character that is
/// not a space, no control character (ECMA-262, as JSON Schema reads it).
const TEXT_PATTERN: &str =
    "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$";

/// A text of 1 to `max` characters, not blank, without control characters.
fn text(max: usize, description: &str) -> ObjectBuilder {
    string(description)
        .pattern(Some(TEXT_PATTERN))
        .min_length(Some(1))
        .max_length(Some(max))
}

/// `OfficeSettings::name`.
pub(crate) fn office_name_schema() -> ObjectBuilder {
    text(
        crate::OfficeSettings::MAX_NAME_CHARS,
        "The office's name, on every page, ticket and the display board: 1 to 80 characters, \
         not blank, without control characters. Absent: the pages say \"Tickets\".",
    )
    .examples(["Poste de Paris 15"])
}

/// `OfficeSettings::welcome`.
pub(crate) fn welcome_schema() -> ObjectBuilder {
    let max = crate::OfficeSettings::MAX_WELCOME_CHARS;
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Object))
        .description(Some(
            "The kiosk's welcome text, above the service buttons, in each language: 1 to 200 \
             characters, not blank, without control characters. Absent: none.",
        ))
        .property("fr", text(max, "In French."))
        .property("en", text(max, "In English."))
        .required("fr")
        .required("en")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
}

/// `OfficeSettings::languages`.
pub(crate) fn languages_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::String))
                .enum_values(Some(["fr", "en"])),
        )
        .unique_items(true)
        .max_items(Some(2))
        .description(Some(
            "The languages the pages offer, each once; the first is their language when the \
             browser asks for none of them. Empty: both, French first. Absent: [\"fr\", \"en\"].",
        ))
}
