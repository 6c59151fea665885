//! The [`Caller`] of a request: looked up in the store the first time something asks
//! (the route's [`Access`](super::Access) check, an extractor, a handler) and kept in the
//! request's extensions, so a request costs at most one lookup and a public request
//! without credentials none.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use tickets_core::{
    AccountStore, AccountView, ApiToken, DeskId, Role, SessionId, TokenId, Username,
};

use super::{Auth, CONFIG_TOKEN_ACCOUNT, SESSION_COOKIE, url_encode};
use crate::api::error::ApiError;

/// How a caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A session cookie.
    Session(SessionId),
    /// One of the account's API tokens.
    Token(TokenId),
    /// `TICKETS_API_TOKEN`, an administrator's.
    ConfigToken,
}

/// A signed-in account making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The account (`api-token` for `TICKETS_API_TOKEN`).
    pub username: Username,
    /// The name people see.
    pub display_name: String,
    /// What it may do.
    pub role: Role,
    /// The desk chosen at sign-in, if any.
    pub desk: Option<DeskId>,
    /// Whether it may call a given ticket out of order.
    pub call_out_of_order: bool,
    /// How it proved who it is.
    pub via: Via,
}

impl Caller {
    fn of(account: AccountView, desk: Option<DeskId>, via: Via) -> Self {
        Self {
            call_out_of_order: account.may_call_out_of_order(),
            username: account.username,
            display_name: account.display_name,
            role: account.role,
            desk,
            via,
        }
    }

    /// Whether this caller may do what `required` may.
    pub fn may(&self, required: Role) -> bool {
        self.role.allows(required)
    }
}

/// Who a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No credentials, or credentials that are not (or no longer) valid.
    Anonymous,
    /// A signed-in account.
    Caller(Caller),
    /// Credentials were sent, but the store did not answer to check them.
    Unknown,
}

impl Auth {
    /// Who `req` comes from: its `Authorization: Bearer` token (an account's API token or
    /// `TICKETS_API_TOKEN`), else its session cookie.
    pub async fn identify(&self, req: &HttpRequest) -> Identity {
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(token) = bearer {
            return self.by_token(token).await;
        }
        match req.cookie(SESSION_COOKIE) {
            Some(cookie) => match SessionId::parse(cookie.value()) {
                Ok(id) => self.by_session(id).await,
                Err(_) => Identity::Anonymous,
            },
            None => Identity::Anonymous,
        }
    }

    /// Whether `caller`'s credentials still hold (for open event streams): `None` when the
    /// store does not answer.
    pub async fn still_valid(&self, caller: &Caller) -> Option<bool> {
        let found = match &caller.via {
            Via::ConfigToken => return Some(true),
            Via::Session(id) => self.by_session(id.clone()).await,
            Via::Token(id) => {
                // Tokens are checked by their secret, which the stream no longer has: look
                // the token up among the account's, and the account.
                let tokens = self.accounts.tokens(Some(&caller.username)).await.ok()?;
                let account = self.accounts.account(&caller.username).await.ok()?;
                let enabled = account.is_some_and(|a| a.enabled);
                return Some(enabled && tokens.iter().any(|t| t.id == *id));
            }
        };
        match found {
            Identity::Caller(_) => Some(true),
            Identity::Anonymous => Some(false),
            Identity::Unknown => None,
        }
    }

    async fn by_session(&self, id: SessionId) -> Identity {
        match self
            .accounts
            .session(&id, chrono::Utc::now(), self.idle)
            .await
        {
            Ok(Some(s)) => Identity::Caller(Caller::of(s.account, s.desk, Via::Session(id))),
            Ok(None) => Identity::Anonymous,
            Err(e) => {
                tracing::warn!(error = %e, "cannot check a session: the store does not answer");
                Identity::Unknown
            }
        }
    }

    async fn by_token(&self, token: &str) -> Identity {
        if self.is_config_token(token) {
            return Identity::Caller(Caller {
                username: Username::parse(CONFIG_TOKEN_ACCOUNT)
                    .unwrap_or_else(|_| Username::admin()),
                display_name: "TICKETS_API_TOKEN".to_owned(),
                role: Role::Admin,
                desk: None,
                call_out_of_order: true,
                via: Via::ConfigToken,
            });
        }
        let Ok(token) = ApiToken::parse(token) else {
            return Identity::Anonymous;
        };
        match self.accounts.token_account(&token).await {
            Ok(Some((info, account))) => {
                Identity::Caller(Caller::of(account, None, Via::Token(info.id)))
            }
            Ok(None) => Identity::Anonymous,
            Err(e) => {
                tracing::warn!(error = %e, "cannot check an API token: the store does not answer");
                Identity::Unknown
            }
        }
    }
}

/// Who `req` comes from, looked up once per request.
pub async fn identity(req: &HttpRequest) -> Identity {
    if let Some(found) = req.extensions().get::<Identity>() {
        return found.clone();
    }
    let Some(auth) = req.app_data::<web::Data<Auth>>().cloned() else {
        return Identity::Anonymous;
    };
    // Boxed: the lookup's future is large, and most requests never make it.
    let found = Box::pin(auth.identify(req)).await;
    req.extensions_mut().insert(found.clone());
    found
}

/// The signed-in account making `req`, if any.
pub async fn caller(req: &HttpRequest) -> Option<Caller> {
    match identity(req).await {
        Identity::Caller(c) => Some(c),
        _ => None,
    }
}

type Extracted<T, E> = Pin<Box<dyn Future<Output = Result<T, E>>>>;

/// Proof that the request is from a signed-in account; answers 401 JSON otherwise (503
/// when the store could not tell).
#[derive(Debug, Clone)]
pub struct Staff(pub Caller);

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = Extracted<Self, ApiError>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match identity(&req).await {
                Identity::Caller(c) => Ok(Staff(c)),
                Identity::Unknown => Err(ApiError::unavailable()),
                Identity::Anonymous => Err(ApiError::unauthorized()),
            }
        })
    }
}

/// Proof that the request is from a signed-in account; redirects to the sign-in page
/// otherwise.
#[derive(Debug, Clone)]
pub struct StaffPage(pub Caller);

/// The redirection to the sign-in page, coming back to the path it holds.
#[derive(Debug)]
pub struct SignInFirst(pub String);

impl SignInFirst {
    /// Back to where `req` was going once signed in.
    pub fn back_to(req: &HttpRequest) -> Self {
        let uri = req.uri();
        let target = uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or(uri.path());
        Self(target.to_owned())
    }
}

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sign in first, then go to {}", self.0)
    }
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }
    fn error_response(&self) -> HttpResponse {
        let next = url_encode(&self.0);
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/api/login?next={next}")))
            .finish()
    }
}

impl FromRequest for StaffPage {
    type Error = SignInFirst;
    type Future = Extracted<Self, SignInFirst>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match caller(&req).await {
                Some(c) => Ok(StaffPage(c)),
                None => Err(SignInFirst::back_to(&req)),
            }
        })
    }
}

/// The signed-in account making the request, if any (public routes that show staff
/// more).
#[derive(Debug, Clone)]
pub struct MaybeStaff(pub Option<Caller>);

impl FromRequest for MaybeStaff {
    type Error = actix_web::Error;
    type Future = Extracted<Self, actix_web::Error>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeStaff(caller(&req).await)) })
    }
}
