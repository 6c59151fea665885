//! What the accounts API and the admin console share: the fields of an account and of a
//! token as people type them, checked with messages in French and English, and each
//! change as one checked store call (the password hashed off the async threads, the last
//! enabled administrator kept).
//!
//! Handlers (`api/accounts.rs`, `api/tokens.rs`, `pages/admin/`) only read their input,
//! call these and shape the answer: JSON errors through [`Refused`]'s conversion to
//! [`ApiError`], a form shown again with the error next to its field.

use actix_web::http::StatusCode;
use tickets_core::{
    AccountChanges, AccountStore, AccountView, AnyBackend, DISPLAY_NAME_MAX, DeskId,
    Error as CoreError, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, NewAccount, NewToken, OfficeConfig,
    PasswordHash, Role, TOKEN_LABEL_MAX, TokenId, Username, check_password,
};

use super::error::ApiError;
use crate::lang::Lang;

/// A field that breaks its rule: its name as the API and the forms spell it, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field (`username`, `password`, `default_desk`, …).
    pub field: String,
    fr: String,
    en: String,
}

impl FieldError {
    /// `field` breaks its rule, said in French and English.
    pub fn new(field: impl Into<String>, fr: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            fr: fr.into(),
            en: en.into(),
        }
    }

    /// Why, in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        lang.t(&self.fr, &self.en)
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::invalid_field(&e.field, e.fr, e.en)
    }
}

/// Why a change was not made.
#[derive(Debug)]
pub enum Refused {
    /// A field breaks its rule (422).
    Field(FieldError),
    /// No such account (404).
    NoAccount,
    /// No such token (404).
    NoToken,
    /// The change would leave no enabled administrator (409).
    LastAdmin,
    /// The store failed or did not answer.
    Store(CoreError),
}

impl From<FieldError> for Refused {
    fn from(e: FieldError) -> Self {
        Refused::Field(e)
    }
}

impl From<CoreError> for Refused {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(v) if v.field == "username" => Refused::Field(FieldError::new(
                "username",
                "Ce nom de compte est déjà pris : choisissez-en un autre.",
                "This username is taken already: choose another.",
            )),
            CoreError::Invalid(v) => {
                let reason = v.reason.clone();
                Refused::Field(FieldError::new(v.field, reason.clone(), reason))
            }
            e => Refused::Store(e),
        }
    }
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Field(e) => e.into(),
            Refused::NoAccount => no_account(),
            Refused::NoToken => ApiError::new(
                StatusCode::NOT_FOUND,
                "token_not_found",
                "Aucun jeton n'a cet identifiant (il a peut-être déjà été révoqué).",
                "No token has this id (it may have been revoked already).",
            ),
            Refused::LastAdmin => ApiError::new(
                StatusCode::CONFLICT,
                "last_admin",
                "C'est le dernier compte administrateur actif : donnez d'abord le rôle administrateur à un autre compte, sinon plus personne ne pourrait gérer les comptes.",
                "This is the last enabled administrator account: make another account an administrator first, or nobody could manage accounts any more.",
            ),
            Refused::Store(e) => e.into(),
        }
    }
}

/// 404: no such account.
pub fn no_account() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "account_not_found",
        "Aucun compte ne porte ce nom.",
        "There is no account with this username.",
    )
}

/// A username: 1 to 32 characters among lowercase letters, digits, `.`, `_` and `-`,
/// taken as written (its pattern has no spaces).
pub fn username(text: &str) -> Result<Username, FieldError> {
    Username::parse(text).map_err(|_| {
        FieldError::new(
            "username",
            "Un nom de compte fait 1 à 32 caractères parmi minuscules, chiffres, « . », « _ » et « - » (ex. « marie.dupont »).",
            "A username is 1 to 32 characters among lowercase letters, digits, '.', '_' and '-' (e.g. \"marie.dupont\").",
        )
    })
}

/// The name people see: 1 to [`DISPLAY_NAME_MAX`] characters, no control characters,
/// spaces around it dropped.
pub fn display_name(text: &str) -> Result<String, FieldError> {
    let name = text.trim();
    let n = name.chars().count();
    if n == 0 || n > DISPLAY_NAME_MAX || name.chars().any(char::is_control) {
        return Err(FieldError::new(
            "display_name",
            format!(
                "Le nom affiché fait 1 à {DISPLAY_NAME_MAX} caractères (ex. « Marie Dupont »)."
            ),
            format!(
                "The display name is 1 to {DISPLAY_NAME_MAX} characters (e.g. \"Marie Dupont\")."
            ),
        ));
    }
    Ok(name.to_owned())
}

/// A role: `agent`, `manager` or `admin`, as written.
pub fn role(text: &str) -> Result<Role, FieldError> {
    text.parse().map_err(|_| {
        FieldError::new(
            "role",
            "Le rôle vaut « agent », « manager » (responsable) ou « admin » (administrateur).",
            "The role is \"agent\", \"manager\" or \"admin\".",
        )
    })
}

/// A new password ([`check_password`]'s rules); never trimmed.
pub fn password(text: &str) -> Result<(), FieldError> {
    check_password(text).map_err(|_| {
        FieldError::new(
            "password",
            format!("Le mot de passe fait {MIN_PASSWORD_CHARS} à {MAX_PASSWORD_CHARS} caractères et n'est pas celui des fichiers d'exemple : une phrase de plusieurs mots convient bien."),
            format!("The password is {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters and not the one of the example files: a phrase of several words works well."),
        )
    })
}

/// A default desk in `field`: empty for none; one of the office's desks when it lists
/// some.
pub fn desk(text: &str, office: &OfficeConfig, field: &str) -> Result<Option<DeskId>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match DeskId::parse(text) {
        Ok(d) if office.desks.is_empty() || office.desk(&d).is_some() => Ok(Some(d)),
        Ok(d) => Err(FieldError::new(
            field,
            format!("Le guichet « {d} » ne fait pas partie de ce bureau."),
            format!("Desk \"{d}\" is not one of this office's desks."),
        )),
        Err(_) => Err(FieldError::new(
            field,
            "Un guichet s'écrit avec 1 à 16 caractères parmi lettres, chiffres, « - » et « _ » (ex. « 3 »).",
            "A desk is 1 to 16 characters among letters, digits, '-' and '_' (e.g. \"3\").",
        )),
    }
}

/// A token's label: 1 to [`TOKEN_LABEL_MAX`] characters, no control characters.
pub fn label(text: &str) -> Result<String, FieldError> {
    let label = text.trim();
    let n = label.chars().count();
    if n == 0 || n > TOKEN_LABEL_MAX || label.chars().any(char::is_control) {
        return Err(FieldError::new(
            "label",
            format!(
                "Le libellé dit à quoi sert le jeton, en 1 à {TOKEN_LABEL_MAX} caractères (ex. « écran de la salle »)."
            ),
            format!(
                "The label says what the token is for, in 1 to {TOKEN_LABEL_MAX} characters (e.g. \"waiting room screen\")."
            ),
        ));
    }
    Ok(label.to_owned())
}

/// Hashes a password (checked first) on a blocking thread: Argon2id takes tens of
/// milliseconds on purpose.
async fn hash(password_text: String) -> Result<PasswordHash, Refused> {
    password(&password_text)?;
    match tokio::task::spawn_blocking(move || PasswordHash::new(&password_text)).await {
        Ok(result) => result.map_err(Refused::from),
        Err(e) => Err(Refused::Store(CoreError::Backend(
            format!("the password hashing task failed: {e}").into(),
        ))),
    }
}

/// An account to create, as typed.
#[derive(Debug, Clone, Default)]
pub struct AccountForm {
    /// Its name.
    pub username: String,
    /// The name people see.
    pub display_name: String,
    /// `agent`, `manager` or `admin`.
    pub role: String,
    /// Its first password.
    pub password: String,
    /// The desk proposed at sign-in (empty: none).
    pub default_desk: String,
    /// Whether an agent may call a given ticket out of order.
    pub call_out_of_order: bool,
}

/// Creates an account from `form`: every field checked (the first at fault answered),
/// the password hashed.
pub async fn create_account(
    store: &AnyBackend,
    office: &OfficeConfig,
    form: AccountForm,
) -> Result<AccountView, Refused> {
    let new = NewAccount {
        username: username(&form.username)?,
        display_name: display_name(&form.display_name)?,
        role: role(&form.role)?,
        default_desk: desk(&form.default_desk, office, "default_desk")?,
        call_out_of_order: form.call_out_of_order,
        password_hash: hash(form.password).await?,
    };
    Ok(store.create_account(new, chrono::Utc::now()).await?)
}

/// A change to an account, checked: `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// The profile: display name, role, default desk.
    pub profile: AccountChanges,
    /// Enable or disable it.
    pub enabled: Option<bool>,
}

/// Whether an account is an enabled administrator.
fn enabled_admin(a: &AccountView) -> bool {
    a.enabled && a.role == Role::Admin
}

/// Applies `change` to `username`, refusing one that would leave no enabled
/// administrator; answers the account as it is now.
pub async fn update_account(
    store: &AnyBackend,
    username: &Username,
    change: &Change,
) -> Result<AccountView, Refused> {
    let accounts = store.accounts().await?;
    let current = accounts
        .iter()
        .find(|a| &a.username == username)
        .ok_or(Refused::NoAccount)?;
    let demoted = change.profile.role.is_some_and(|r| r != Role::Admin);
    let disabled = change.enabled == Some(false);
    if enabled_admin(current) && (demoted || disabled) {
        let others = accounts
            .iter()
            .filter(|a| &a.username != username && enabled_admin(a))
            .count();
        if others == 0 {
            return Err(Refused::LastAdmin);
        }
    }
    let now = chrono::Utc::now();
    let mut view = current.clone();
    if change.profile != AccountChanges::default() {
        view = store
            .update_account(username, &change.profile, now)
            .await?
            .ok_or(Refused::NoAccount)?;
    }
    if let Some(enabled) = change.enabled
        && enabled != view.enabled
    {
        view = store
            .set_enabled(username, enabled, now)
            .await?
            .ok_or(Refused::NoAccount)?;
    }
    Ok(view)
}

/// Gives `username` a new password, which ends its sessions.
pub async fn set_password(
    store: &AnyBackend,
    username: &Username,
    password_text: String,
) -> Result<AccountView, Refused> {
    let hash = hash(password_text).await?;
    store
        .set_password(username, hash, chrono::Utc::now())
        .await?
        .ok_or(Refused::NoAccount)
}

/// Ends every session of `username`; how many there were.
pub async fn revoke_sessions(store: &AnyBackend, username: &Username) -> Result<u64, Refused> {
    if store.account(username).await?.is_none() {
        return Err(Refused::NoAccount);
    }
    Ok(store.revoke_sessions_of(username).await?)
}

/// Creates a token acting as the account `username_text`, labelled `label_text`.
pub async fn create_token(
    store: &AnyBackend,
    username_text: &str,
    label_text: &str,
) -> Result<NewToken, Refused> {
    let user = username(username_text)?;
    let label = label(label_text)?;
    store
        .create_token(&user, &label, chrono::Utc::now())
        .await?
        .ok_or_else(|| {
            Refused::Field(FieldError::new(
                "username",
                format!("Aucun compte ne s'appelle « {user} »."),
                format!("There is no account named \"{user}\"."),
            ))
        })
}

/// Revokes the token `id_text`.
pub async fn revoke_token(store: &AnyBackend, id_text: &str) -> Result<TokenId, Refused> {
    let id = TokenId::parse(id_text.trim()).map_err(|_| Refused::NoToken)?;
    if store.revoke_token(&id).await? {
        Ok(id)
    } else {
        Err(Refused::NoToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickets_core::MemoryBackend;

    async fn store_with(accounts: &[(&str, Role)]) -> AnyBackend {
        let store = AnyBackend::Memory(MemoryBackend::new());
        let office = OfficeConfig::default();
        for (name, r) in accounts {
            let form = AccountForm {
                username: (*name).into(),
                display_name: name.to_uppercase(),
                role: r.as_str().into(),
                password: "a long enough passphrase".into(),
                default_desk: String::new(),
                call_out_of_order: false,
            };
            create_account(&store, &office, form)
                .await
                .expect("created");
        }
        store
    }

    #[test]
    fn usernames_and_roles_are_taken_as_written() {
        assert_eq!(username("marie.dupont").unwrap().as_str(), "marie.dupont");
        for bad in [" marie", "marie ", "marie\u{b}", "\tmarie", "Marie", ""] {
            assert_eq!(username(bad).unwrap_err().field, "username", "{bad:?}");
        }
        assert_eq!(role("manager").unwrap(), Role::Manager);
        for bad in [" agent", "agent ", "agent\u{b}", "Agent", ""] {
            assert_eq!(role(bad).unwrap_err().field, "role", "{bad:?}");
        }
    }

    fn demote() -> Change {
        Change {
            profile: AccountChanges {
                role: Some(Role::Manager),
                ..AccountChanges::default()
            },
            enabled: None,
        }
    }

    #[tokio::test]
    async fn the_last_enabled_admin_stays_one() {
        let store = store_with(&[("root", Role::Admin), ("marie", Role::Agent)]).await;
        let root = Username::parse("root").unwrap();
        let off = Change {
            enabled: Some(false),
            ..Change::default()
        };
        assert!(matches!(
            update_account(&store, &root, &demote()).await,
            Err(Refused::LastAdmin)
        ));
        assert!(matches!(
            update_account(&store, &root, &off).await,
            Err(Refused::LastAdmin)
        ));
        let marie = Username::parse("marie").unwrap();
        let promote = Change {
            profile: AccountChanges {
                role: Some(Role::Admin),
                ..AccountChanges::default()
            },
            enabled: None,
        };
        update_account(&store, &marie, &promote)
            .await
            .expect("promoted");
        let now = update_account(&store, &root, &demote())
            .await
            .expect("demoted");
        assert_eq!(now.role, Role::Manager);
        // A disabled admin does not count.
        update_account(&store, &marie, &off)
            .await
            .expect_err("marie is the last one");
    }

    #[tokio::test]
    async fn fields_are_checked_with_their_name() {
        let store = store_with(&[("root", Role::Admin)]).await;
        let office = OfficeConfig::default();
        let form = |u: &str, r: &str, p: &str| AccountForm {
            username: u.into(),
            display_name: "Someone".into(),
            role: r.into(),
            password: p.into(),
            default_desk: String::new(),
            call_out_of_order: false,
        };
        let field = |r: Result<AccountView, Refused>| match r {
            Err(Refused::Field(e)) => e.field,
            other => panic!("expected a field error, got {other:?}"),
        };
        let ok = "a long enough passphrase";
        assert_eq!(
            field(create_account(&store, &office, form("Bad Name", "agent", ok)).await),
            "username"
        );
        assert_eq!(
            field(create_account(&store, &office, form("x", "boss", ok)).await),
            "role"
        );
        assert_eq!(
            field(create_account(&store, &office, form("x", "agent", "short")).await),
            "password"
        );
        assert_eq!(
            field(create_account(&store, &office, form("root", "agent", ok)).await),
            "username"
        );
        assert!(matches!(
            revoke_token(&store, "not-an-id").await,
            Err(Refused::NoToken)
        ));
        let nobody = Username::parse("nobody").unwrap();
        assert!(matches!(
            revoke_sessions(&store, &nobody).await,
            Err(Refused::NoAccount)
        ));
    }
}
