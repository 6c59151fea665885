//! Staff accounts (administrators): `GET`/`POST /api/accounts`, `POST
//! /api/accounts/{username}` (profile, role, enabled), `…/password`, `…/revoke-sessions`.
//!
//! Answers show an account without any password hash ([`AccountBody`]). Every change
//! leaves an audit line naming the account (the access middleware writes it; the handler
//! says which change with [`note_audit`]). The last enabled administrator cannot be
//! demoted or disabled (409 `last_admin`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tickets_core::{
    AccountChanges, AccountStore, AccountView, DeskId, QueueBackend, Role, Username,
};
use utoipa::ToSchema;

use super::account_ops::{self, AccountForm, Change, FieldError};
use super::error::ApiError;
use super::{BODY_LIMIT, json_object, read_body, string_field};
use crate::auth::{AuditNote, Auth, Staff, note_audit};
use crate::openapi::{BodyErrors, ErrorBody, Unavailable};
use crate::state::AppState;

/// Tag of the accounts, tokens and audit log (administrators and managers).
pub const TAG_ACCOUNTS: &str = "accounts";

/// What an account may do: `agent` (a desk), `manager` (also the day, the dashboard, the
/// audit log), `admin` (also accounts and tokens).
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum AccountRole {
    /// Staff at a desk.
    Agent,
    /// Runs the office's day.
    Manager,
    /// Manages accounts and tokens.
    Admin,
}

/// A staff account as answers show it: never its password or its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountBody {
    /// Its name: 1 to 32 characters among lowercase letters, digits, `.`, `_` and `-`.
    #[schema(value_type = String, pattern = "^[a-z0-9._-]{1,32}$")]
    pub username: Username,
    /// The name people see.
    pub display_name: String,
    /// What it may do.
    #[schema(value_type = AccountRole)]
    pub role: Role,
    /// Whether it may sign in (and its tokens work).
    pub enabled: bool,
    /// The desk proposed at sign-in; `null` for none.
    #[schema(required = true)]
    pub default_desk: Option<DeskId>,
    /// Whether it may call a given ticket out of order (`POST /api/tickets/call`, the
    /// console's "call this ticket"): always for managers and administrators; for an agent,
    /// when this is set.
    pub call_out_of_order: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<AccountView> for AccountBody {
    fn from(a: AccountView) -> Self {
        Self {
            username: a.username,
            display_name: a.display_name,
            role: a.role,
            enabled: a.enabled,
            default_desk: a.default_desk,
            call_out_of_order: a.call_out_of_order,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// Every account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    /// By username.
    pub accounts: Vec<AccountBody>,
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewAccountBody {
    /// 1 to 32 characters among lowercase letters, digits, `.`, `_` and `-`; unique.
    #[schema(pattern = "^[a-z0-9._-]{1,32}$", example = "marie.dupont")]
    username: String,
    /// 1 to 64 characters.
    #[schema(example = "Marie Dupont")]
    display_name: String,
    /// What it may do.
    #[schema(value_type = AccountRole)]
    role: String,
    /// 12 to 1024 characters; stored as its Argon2id hash only.
    #[schema(min_length = 12, max_length = 1024)]
    password: String,
    /// The desk proposed at sign-in (one of the office's desks when it lists some); empty
    /// or `null` for none.
    #[schema(max_length = 16)]
    default_desk: Option<String>,
    /// Whether an agent may call a given ticket out of order (default `false`).
    call_out_of_order: Option<bool>,
}

/// Changes to an account; a field left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct AccountChangesBody {
    /// A new display name.
    display_name: Option<String>,
    /// A new role.
    #[schema(value_type = Option<AccountRole>)]
    role: Option<String>,
    /// A new default desk; empty or `null` removes it.
    #[schema(max_length = 16)]
    default_desk: Option<String>,
    /// `false` disables the account (its sessions end at once, its tokens stop working);
    /// `true` enables it again.
    enabled: Option<bool>,
    /// Whether an agent may call a given ticket out of order.
    call_out_of_order: Option<bool>,
}

/// A new password.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PasswordBody {
    /// 12 to 1024 characters.
    #[schema(min_length = 12, max_length = 1024)]
    password: String,
}

/// How many sessions were ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedBody {
    /// The sessions the account had.
    pub revoked: u64,
}

type State<B> = web::Data<AppState<B>>;

/// A required string field of a body.
fn required<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    string_field(obj, field)?.ok_or_else(|| {
        ApiError::invalid_field(
            field,
            format!("Le champ « {field} » est obligatoire."),
            format!("The field \"{field}\" is required."),
        )
    })
}

/// The account named in the path: a name that cannot exist is no account either.
fn path_username(path: &str) -> Result<Username, ApiError> {
    Username::parse(path).map_err(|_| account_ops::no_account())
}

/// Every staff account (administrators).
///
/// `GET /api/accounts`: by username, without any password hash.
#[utoipa::path(
    get,
    path = "/api/accounts",
    tag = TAG_ACCOUNTS,
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The accounts.", body = AccountList),
        (status = 403, description = "Not an administrator (`forbidden`).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn list(auth: web::Data<Auth>, _staff: Staff) -> Result<HttpResponse, ApiError> {
    let accounts = auth.accounts().accounts().await?;
    Ok(HttpResponse::Ok().json(AccountList {
        accounts: accounts.into_iter().map(AccountBody::from).collect(),
    }))
}

/// Creates a staff account (administrators).
///
/// `POST /api/accounts`, body `{"username", "display_name", "role", "password",
/// "default_desk"}` (`default_desk` optional). 201 with the account; 422 `invalid_field`
/// names the field at fault (`username` also when the name is taken).
#[utoipa::path(
    post,
    operation_id = "create_account",
    path = "/api/accounts",
    tag = TAG_ACCOUNTS,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = NewAccountBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The account created.", body = AccountBody),
        (status = 403, description = "Not an administrator (`forbidden`), or another site (`cross_origin`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn create<B: QueueBackend>(
    req: HttpRequest,
    state: State<B>,
    auth: web::Data<Auth>,
    _staff: Staff,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let form = AccountForm {
        username: required(&obj, "username")?.to_owned(),
        display_name: required(&obj, "display_name")?.to_owned(),
        role: required(&obj, "role")?.to_owned(),
        password: required(&obj, "password")?.to_owned(),
        default_desk: string_field(&obj, "default_desk")?.unwrap_or("").to_owned(),
        call_out_of_order: bool_field(&obj, "call_out_of_order")?.unwrap_or(false),
    };
    let office = state.queue.office();
    let account = account_ops::create_account(auth.accounts(), &office, form).await?;
    note_audit(
        &req,
        AuditNote {
            action: Some("account.create"),
            desk: None,
            detail: format!("{} ({})", account.username, account.role),
        },
    );
    Ok(HttpResponse::Created().json(AccountBody::from(account)))
}

/// The change a body asks for, checked.
fn change_of(
    obj: &Map<String, Value>,
    office: &tickets_core::OfficeConfig,
) -> Result<Change, ApiError> {
    let mut profile = AccountChanges::default();
    if let Some(name) = string_field(obj, "display_name")? {
        profile.display_name = Some(account_ops::display_name(name)?);
    }
    if let Some(role) = string_field(obj, "role")? {
        profile.role = Some(account_ops::role(role)?);
    }
    if obj.contains_key("default_desk") {
        let text = string_field(obj, "default_desk")?.unwrap_or("");
        profile.default_desk = Some(account_ops::desk(text, office, "default_desk")?);
    }
    profile.call_out_of_order = bool_field(obj, "call_out_of_order")?;
    let enabled = bool_field(obj, "enabled")?;
    Ok(Change { profile, enabled })
}

/// A field that is `true`, `false`, absent or `null` (absent).
fn bool_field(obj: &Map<String, Value>, name: &str) -> Result<Option<bool>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(FieldError::new(
            name,
            format!("« {name} » vaut true ou false."),
            format!("\"{name}\" is true or false."),
        )
        .into()),
    }
}

/// What changed, for the audit line: `marie: role manager, disabled`.
pub fn change_detail(username: &Username, change: &Change) -> String {
    let mut parts = Vec::new();
    if let Some(name) = &change.profile.display_name {
        parts.push(format!("display name \"{name}\""));
    }
    if let Some(role) = change.profile.role {
        parts.push(format!("role {role}"));
    }
    match &change.profile.default_desk {
        Some(Some(d)) => parts.push(format!("desk {d}")),
        Some(None) => parts.push("no desk".to_owned()),
        None => {}
    }
    match change.profile.call_out_of_order {
        Some(true) => parts.push("may call out of order".to_owned()),
        Some(false) => parts.push("calls in order only".to_owned()),
        None => {}
    }
    match change.enabled {
        Some(true) => parts.push("enabled".to_owned()),
        Some(false) => parts.push("disabled".to_owned()),
        None => {}
    }
    if parts.is_empty() {
        parts.push("nothing".to_owned());
    }
    format!("{username}: {}", parts.join(", "))
}

/// Changes an account's display name, role, default desk, or enables or disables it
/// (administrators).
///
/// `POST /api/accounts/{username}`, body `{"display_name"?, "role"?, "default_desk"?,
/// "enabled"?, "call_out_of_order"?}`. Disabling ends the account's sessions at once. 409 `last_admin` when the
/// change would leave no enabled administrator.
#[utoipa::path(
    post,
    operation_id = "update_account",
    path = "/api/accounts/{username}",
    tag = TAG_ACCOUNTS,
    security(("staff_token" = []), ("staff_session" = [])),
    params(("username" = String, Path, description = "The account.")),
    request_body(content = Option<AccountChangesBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "The account as it is now.", body = AccountBody),
        (status = 403, description = "Not an administrator (`forbidden`), or another site (`cross_origin`).", body = ErrorBody),
        (status = 404, description = "No such account (`account_not_found`).", body = ErrorBody),
        (status = 409, description = "It is the last enabled administrator (`last_admin`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn update<B: QueueBackend>(
    req: HttpRequest,
    state: State<B>,
    auth: web::Data<Auth>,
    _staff: Staff,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let username = path_username(&path)?;
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let change = change_of(&obj, &state.queue.office())?;
    let account = account_ops::update_account(auth.accounts(), &username, &change).await?;
    note_audit(
        &req,
        AuditNote {
            action: Some("account.update"),
            desk: None,
            detail: change_detail(&username, &change),
        },
    );
    Ok(HttpResponse::Ok().json(AccountBody::from(account)))
}

/// Gives an account a new password (administrators); its sessions end.
///
/// `POST /api/accounts/{username}/password`, body `{"password"}`.
#[utoipa::path(
    post,
    operation_id = "set_account_password",
    path = "/api/accounts/{username}/password",
    tag = TAG_ACCOUNTS,
    security(("staff_token" = []), ("staff_session" = [])),
    params(("username" = String, Path, description = "The account.")),
    request_body(content = PasswordBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The account; its sessions have ended.", body = AccountBody),
        (status = 403, description = "Not an administrator (`forbidden`), or another site (`cross_origin`).", body = ErrorBody),
        (status = 404, description = "No such account (`account_not_found`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn password(
    req: HttpRequest,
    auth: web::Data<Auth>,
    _staff: Staff,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let username = path_username(&path)?;
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let password = required(&obj, "password")?.to_owned();
    let account = account_ops::set_password(auth.accounts(), &username, password).await?;
    note_audit(
        &req,
        AuditNote {
            action: Some("account.password"),
            desk: None,
            detail: format!("{username}: new password, sessions ended"),
        },
    );
    Ok(HttpResponse::Ok().json(AccountBody::from(account)))
}

/// Ends every session of an account (administrators): it must sign in again.
///
/// `POST /api/accounts/{username}/revoke-sessions` → `{"revoked": n}`. Its API tokens
/// keep working (revoke them at `/api/tokens`).
#[utoipa::path(
    post,
    operation_id = "revoke_account_sessions",
    path = "/api/accounts/{username}/revoke-sessions",
    tag = TAG_ACCOUNTS,
    security(("staff_token" = []), ("staff_session" = [])),
    params(("username" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "How many sessions ended.", body = RevokedBody),
        (status = 403, description = "Not an administrator (`forbidden`), or another site (`cross_origin`).", body = ErrorBody),
        (status = 404, description = "No such account (`account_not_found`).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn revoke_sessions(
    req: HttpRequest,
    auth: web::Data<Auth>,
    _staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let username = path_username(&path)?;
    let revoked = account_ops::revoke_sessions(auth.accounts(), &username).await?;
    note_audit(
        &req,
        AuditNote {
            action: Some("account.revoke-sessions"),
            desk: None,
            detail: format!("{username}: {revoked} session(s) ended"),
        },
    );
    Ok(HttpResponse::build(StatusCode::OK).json(RevokedBody { revoked }))
}
