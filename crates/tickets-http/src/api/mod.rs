//! The JSON API under `/api/tickets/`: the original ten endpoints' paths and field names,
//! plus recall, no-show, reset-day, one ticket's status, calling a given ticket, transfer
//! and requeue, a holder leaving the queue; and the office configuration under
//! `/api/config`.

pub mod account_ops;
pub mod accounts;
pub mod audit;
pub mod day;
pub mod desk;
pub mod error;
pub mod health;
pub mod leave;
pub mod office;
pub mod push;
pub mod reports;
pub mod tickets;
pub mod tokens;
pub mod webhooks;

use actix_web::HttpRequest;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::web::{self, Bytes, BytesMut};
use futures_util::StreamExt;
use serde_json::{Map, Value};
use tickets_core::{
    BusinessDay, DeskId, ErrorKind, IdempotencyKey, PriorityCode, QueueBackend, Service,
    TicketNumber, TransferPosition,
};

use self::error::ApiError;
use crate::state::AppState;

/// The answer to a refusal of the core, with the office's service names in its message
/// (the office is read only for the refusals that name a service).
pub fn refusal<B: QueueBackend>(state: &AppState<B>, e: tickets_core::Error) -> ApiError {
    match e.kind() {
        ErrorKind::Invalid | ErrorKind::Conflict => {
            ApiError::refusal(e, Some(&state.queue.office()))
        }
        _ => e.into(),
    }
}

/// The largest JSON body accepted.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Reads the body, up to `limit` bytes (413 beyond).
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::too_large(limit));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(ApiError::malformed_json)?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A query parameter given and not empty (a form's empty field means "any"), as written:
/// a value with spaces or control characters around it breaks its pattern like any other.
pub fn given_param(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|v| !v.is_empty())
}

/// A day written exactly `YYYY-MM-DD`, as the parameters' pattern says (the date parser
/// alone would also take spaces around it).
pub fn written_day(v: &str) -> Option<BusinessDay> {
    let shaped = v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    shaped.then(|| v.parse().ok()).flatten()
}

/// Parses an optional JSON object body: empty (or whitespace) is `{}`; anything else must
/// be UTF-8 JSON holding an object.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::invalid_utf8())?;
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::invalid_field(
            "body",
            "Le corps doit être un objet JSON, par exemple {\"desk\": \"2\"}.",
            "The body must be a JSON object, e.g. {\"desk\": \"2\"}.",
        )),
        Err(e) => Err(ApiError::malformed_json(e)),
    }
}

/// A string field of a JSON object: absent or `null` is `None`; another type is a 422.
fn string_field<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid_field(
            field,
            format!("« {field} » doit être une chaîne de caractères."),
            format!("\"{field}\" must be a string."),
        )),
    }
}

/// The `desk` of a body or query, or the default desk.
pub fn desk_of(value: Option<&str>) -> Result<DeskId, ApiError> {
    match value {
        None => Ok(DeskId::default()),
        Some(s) => DeskId::parse(s).map_err(|_| {
            ApiError::invalid_field(
                "desk",
                "Un guichet s'écrit avec 1 à 16 caractères parmi lettres, chiffres, « - » et « _ » (ex. « 3 », « guichet-3 »).",
                "A desk is 1 to 16 characters among letters, digits, '-' and '_' (e.g. \"3\", \"guichet-3\").",
            )
        }),
    }
}

/// The `desk` field of a JSON body.
pub fn body_desk(obj: &Map<String, Value>) -> Result<DeskId, ApiError> {
    desk_of(string_field(obj, "desk")?)
}

/// The `service_type` field of a JSON body, or the default service.
pub fn body_service(obj: &Map<String, Value>) -> Result<Service, ApiError> {
    match string_field(obj, "service_type")? {
        None => Ok(Service::default()),
        Some(s) => Service::parse(s).map_err(|_| {
            ApiError::invalid_field(
                "service_type",
                "Un service s'écrit avec 1 à 32 caractères parmi lettres, chiffres, « - » et « _ » (ex. « poste »).",
                "A service is 1 to 32 characters among letters, digits, '-' and '_' (e.g. \"poste\").",
            )
        }),
    }
}

/// The `priority` field of a take: absent or `null` for no priority.
pub fn body_priority(obj: &Map<String, Value>) -> Result<Option<PriorityCode>, ApiError> {
    match string_field(obj, "priority")? {
        None => Ok(None),
        Some(s) => PriorityCode::parse(s).map(Some).map_err(|_| {
            ApiError::invalid_field(
                "priority",
                "Une priorité s'écrit avec 1 à 32 caractères parmi lettres, chiffres, « - » et « _ » (ex. « prioritaire »).",
                "A priority is 1 to 32 characters among letters, digits, '-' and '_' (e.g. \"prioritaire\").",
            )
        }),
    }
}

/// The `day` of a body: a business day written `YYYY-MM-DD`.
pub fn body_day(obj: &Map<String, Value>) -> Result<BusinessDay, ApiError> {
    obj.get("day")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<BusinessDay>().ok())
        .ok_or_else(|| {
            ApiError::invalid_field(
                "day",
                "« day » est le jour du ticket, écrit AAAA-MM-JJ (ex. « 2026-11-30 »).",
                "\"day\" is the ticket's day, written YYYY-MM-DD (e.g. \"2026-11-30\").",
            )
        })
}

/// The `key` of a body: the key of a ticket's holder (the `k` of its link).
pub fn body_key(obj: &Map<String, Value>) -> Result<&str, ApiError> {
    obj.get("key")
        .and_then(|v| v.as_str())
        .filter(|k| !k.is_empty() && k.len() <= 64)
        .ok_or_else(|| {
            ApiError::invalid_field(
                "key",
                "« key » est la clé du ticket, donnée par son lien (le « k » de « ?k=… »).",
                "\"key\" is the ticket's key, given by its link (the \"k\" of \"?k=…\").",
            )
        })
}

/// The required `ticket` field of a staff action: a ticket number (a JSON number, or a
/// string of digits as forms send).
pub fn body_ticket(obj: &Map<String, Value>) -> Result<TicketNumber, ApiError> {
    let bad = || {
        ApiError::invalid_field(
            "ticket",
            "« ticket » est le numéro du ticket, un entier à partir de 1 (ex. {\"ticket\": 12}).",
            "\"ticket\" is the ticket's number, a whole number from 1 (e.g. {\"ticket\": 12}).",
        )
    };
    match obj.get("ticket") {
        Some(Value::Number(n)) => n
            .as_u64()
            // 12.0 is the integer 12 in JSON Schema.
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && (1.0..=TicketNumber::MAX as f64).contains(f))
                    .map(|f| f as u64)
            })
            .and_then(|n| TicketNumber::new(n).ok())
            .ok_or_else(bad),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// The required `service` field of a transfer.
pub fn body_target_service(obj: &Map<String, Value>) -> Result<Service, ApiError> {
    let bad = || {
        ApiError::invalid_field(
            "service",
            "« service » est le code du service de destination (ex. « colis »).",
            "\"service\" is the code of the service to move the ticket to (e.g. \"colis\").",
        )
    };
    string_field(obj, "service")?
        .ok_or_else(bad)
        .and_then(|s| Service::parse(s).map_err(|_| bad()))
}

/// The `position` field of a transfer: `arrival` (the default), `end` or `front`.
pub fn body_position(obj: &Map<String, Value>) -> Result<TransferPosition, ApiError> {
    match string_field(obj, "position")? {
        None | Some("arrival") => Ok(TransferPosition::Arrival),
        Some("end") => Ok(TransferPosition::End),
        Some("front") => Ok(TransferPosition::Front),
        Some(_) => Err(ApiError::invalid_field(
            "position",
            "« position » vaut « arrival » (à sa place d'arrivée, par défaut), « end » (en fin de file) ou « front » (en tête).",
            "\"position\" is \"arrival\" (its place by arrival time, the default), \"end\" or \"front\".",
        )),
    }
}

/// The `desk` field of a JSON body when given.
pub fn body_optional_desk(obj: &Map<String, Value>) -> Result<Option<DeskId>, ApiError> {
    match string_field(obj, "desk")? {
        None => Ok(None),
        Some(s) => desk_of(Some(s)).map(Some),
    }
}

/// The `Idempotency-Key` header, if any.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let bad = || {
        ApiError::invalid_field(
            "Idempotency-Key",
            "L'en-tête Idempotency-Key fait 1 à 128 caractères ASCII visibles, sans espace.",
            "The Idempotency-Key header is 1 to 128 visible ASCII characters, without spaces.",
        )
    };
    let s = v.to_str().map_err(|_| bad())?;
    IdempotencyKey::parse(s).map(Some).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_parsed_strictly() {
        assert!(json_object(b"").unwrap().is_empty());
        assert!(json_object(b"  \n").unwrap().is_empty());
        assert_eq!(json_object(b"{\"desk\":\"A\"}").unwrap()["desk"], "A");
        assert_eq!(json_object(b"{").unwrap_err().code, "malformed_json");
        assert_eq!(json_object(b"[1]").unwrap_err().code, "invalid_field");
        assert_eq!(json_object(&[0xff, 0xfe]).unwrap_err().code, "invalid_utf8");
    }

    #[test]
    fn fields_are_validated() {
        let obj = json_object(br#"{"desk": 3}"#).unwrap();
        assert_eq!(body_desk(&obj).unwrap_err().status.as_u16(), 422);
        let obj = json_object(br#"{"desk": "guichet 3"}"#).unwrap();
        assert_eq!(body_desk(&obj).unwrap_err().status.as_u16(), 422);
        let obj = json_object(br#"{"desk": null}"#).unwrap();
        assert!(body_desk(&obj).unwrap().is_default());
        let obj = json_object(br#"{"service_type": "banque"}"#).unwrap();
        assert_eq!(body_service(&obj).unwrap().as_str(), "banque");
        let obj = json_object(br#"{"service_type": ""}"#).unwrap();
        assert!(body_service(&obj).is_err());
        let obj = json_object(br#"{"priority": null, "ticket": 12, "position": "front"}"#).unwrap();
        assert_eq!(body_priority(&obj).unwrap(), None);
        assert_eq!(body_ticket(&obj).unwrap().get(), 12);
        assert_eq!(body_position(&obj).unwrap(), TransferPosition::Front);
        let obj = json_object(br#"{"priority": "a b", "ticket": 0, "position": "back"}"#).unwrap();
        assert_eq!(body_priority(&obj).unwrap_err().code, "invalid_field");
        assert_eq!(body_ticket(&obj).unwrap_err().status.as_u16(), 422);
        assert!(body_position(&obj).is_err());
        let obj = json_object(br#"{"ticket": 1850.0}"#).unwrap();
        assert_eq!(body_ticket(&obj).unwrap().get(), 1850);
        let obj = json_object(br#"{"ticket": 1.5}"#).unwrap();
        assert!(body_ticket(&obj).is_err());
        let obj = json_object(br#"{"ticket": "7"}"#).unwrap();
        assert_eq!(body_ticket(&obj).unwrap().get(), 7);
        assert_eq!(body_position(&obj).unwrap(), TransferPosition::Arrival);
        assert!(body_target_service(&obj).is_err());
    }
}
