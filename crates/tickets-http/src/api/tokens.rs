//! API tokens (administrators): `GET`/`POST /api/tokens`, `DELETE /api/tokens/{id}`.
//!
//! A token acts as its account, with the account's role (now, not when it was made), and
//! works while the account is enabled. Its secret (`tkt_` and 64 hexadecimal digits) is in
//! the answer that creates it and nowhere else: the store keeps its SHA-256 digest.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tickets_core::{AccountStore, AccountView, Role, TokenInfo};
use utoipa::ToSchema;

use super::account_ops;
use super::accounts::{AccountRole, TAG_ACCOUNTS};
use super::error::ApiError;
use super::{BODY_LIMIT, json_object, read_body, string_field};
use crate::auth::{AuditNote, Auth, Staff, note_audit};
use crate::openapi::{BodyErrors, ErrorBody, Unavailable};

/// A token as lists show it, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenBody {
    /// Its public id (16 hexadecimal digits), to revoke it.
    #[schema(value_type = String, pattern = "^[0-9a-f]{16}$")]
    pub id: String,
    /// The account it acts as.
    #[schema(value_type = String, pattern = "^[a-z0-9._-]{1,32}$")]
    pub username: String,
    /// The account's role, which the token has; `null` when the account is gone.
    #[schema(value_type = Option<AccountRole>, required = true)]
    pub role: Option<Role>,
    /// Whether the account is enabled (the token works only then).
    pub enabled: bool,
    /// What it is for.
    pub label: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl TokenBody {
    /// `info` with its account's role, found among `accounts`.
    pub fn of(info: TokenInfo, accounts: &[AccountView]) -> Self {
        let account = accounts.iter().find(|a| a.username == info.username);
        Self {
            id: info.id.to_string(),
            username: info.username.to_string(),
            role: account.map(|a| a.role),
            enabled: account.is_some_and(|a| a.enabled),
            label: info.label,
            created_at: info.created_at,
        }
    }
}

/// Every token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// Oldest first.
    pub tokens: Vec<TokenBody>,
}

/// A token just created: its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenBody {
    /// The secret: send it as `Authorization: Bearer <token>`. It is not stored and
    /// cannot be shown again.
    #[schema(pattern = "^tkt_[0-9a-f]{64}$")]
    pub token: String,
    /// The token.
    #[serde(flatten)]
    pub info: TokenBody,
}

/// What a new token is for.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    /// The account it acts as.
    #[schema(pattern = "^[a-z0-9._-]{1,32}$", example = "ecran-salle")]
    username: String,
    /// What it is for, 1 to 64 characters.
    #[schema(example = "waiting room screen")]
    label: String,
}

/// Every API token, without their secrets (administrators).
///
/// `GET /api/tokens`: oldest first, each with its account's role.
#[utoipa::path(
    get,
    operation_id = "list_tokens",
    path = "/api/tokens",
    tag = TAG_ACCOUNTS,
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The tokens.", body = TokenList),
        (status = 403, description = "Not an administrator (`forbidden`).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn list(auth: web::Data<Auth>, _staff: Staff) -> Result<HttpResponse, ApiError> {
    let store = auth.accounts();
    let accounts = store.accounts().await?;
    let tokens = store.tokens(None).await?;
    Ok(HttpResponse::Ok().json(TokenList {
        tokens: tokens
            .into_iter()
            .map(|t| TokenBody::of(t, &accounts))
            .collect(),
    }))
}

/// Creates an API token acting as an account (administrators).
///
/// `POST /api/tokens`, body `{"username", "label"}`: 201 with `token`, the secret, shown
/// this once (`Cache-Control: no-store`).
#[utoipa::path(
    post,
    operation_id = "create_token",
    path = "/api/tokens",
    tag = TAG_ACCOUNTS,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = TokenRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The token, with its secret.", body = NewTokenBody),
        (status = 403, description = "Not an administrator (`forbidden`), or another site (`cross_origin`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn create(
    req: HttpRequest,
    auth: web::Data<Auth>,
    _staff: Staff,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let username = string_field(&obj, "username")?.unwrap_or("");
    let label = string_field(&obj, "label")?.unwrap_or("");
    let store = auth.accounts();
    let new = account_ops::create_token(store, username, label).await?;
    let accounts = store.accounts().await?;
    note_audit(
        &req,
        AuditNote {
            action: Some("token.create"),
            desk: None,
            detail: format!(
                "{} for {}: {}",
                new.info.id, new.info.username, new.info.label
            ),
        },
    );
    let body = NewTokenBody {
        token: new.token.as_str().to_owned(),
        info: TokenBody::of(new.info, &accounts),
    };
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// Revokes an API token (administrators): it stops working at once.
///
/// `DELETE /api/tokens/{id}`: 204, or 404 `token_not_found`.
#[utoipa::path(
    delete,
    operation_id = "revoke_token",
    path = "/api/tokens/{id}",
    tag = TAG_ACCOUNTS,
    security(("staff_token" = []), ("staff_session" = [])),
    params(("id" = String, Path, description = "The token's id (16 hexadecimal digits).")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 403, description = "Not an administrator (`forbidden`), or another site (`cross_origin`).", body = ErrorBody),
        (status = 404, description = "No such token (`token_not_found`).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn revoke(
    req: HttpRequest,
    auth: web::Data<Auth>,
    _staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let store = auth.accounts();
    let owner = store
        .tokens(None)
        .await?
        .into_iter()
        .find(|t| t.id.as_str() == path.as_str())
        .map(|t| t.username.to_string());
    let id = account_ops::revoke_token(store, &path).await?;
    note_audit(
        &req,
        AuditNote {
            action: Some("token.revoke"),
            desk: None,
            detail: match owner {
                Some(u) => format!("{id} of {u}"),
                None => id.to_string(),
            },
        },
    );
    Ok(HttpResponse::NoContent().finish())
}
