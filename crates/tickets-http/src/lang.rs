//! The language of a request: among the languages the office offers (French and English
//! unless its settings say otherwise), the one asked by `?lang=`, the `lang` cookie or
//! `Accept-Language`, else the first offered (French by default).

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{FromRequest, HttpRequest};
use tickets_core::Language;

/// The cookie that remembers the visible language switch.
pub const LANG_COOKIE: &str = "lang";

/// A page or message language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// French, the default.
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 code (`fr`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The other language.
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    /// Picks the text of this language.
    pub fn t<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// The language a code names (`fr`, `en-GB`, …), if one of ours.
    pub fn parse(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        if code.starts_with("fr") {
            Some(Lang::Fr)
        } else if code.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language of `req` among those the office offers (its settings, found in the
    /// application state when it is there; French and English otherwise): see
    /// [`Lang::among`].
    pub fn of(req: &HttpRequest) -> Lang {
        match crate::api::office::in_force(req) {
            Some(office) => Lang::among(req, office.settings.offered()),
            None => Lang::among(req, &Language::ALL),
        }
    }

    /// The language of `req` among `offered`: `?lang=`, then the `lang` cookie, then
    /// `Accept-Language` (the offered language it prefers), each only when it names an
    /// offered language; else the first offered (French when `offered` is empty).
    pub fn among(req: &HttpRequest, offered: &[Language]) -> Lang {
        let offers = |l: &Lang| offered.contains(&Language::from(*l));
        query_lang(req.query_string())
            .filter(offers)
            .or_else(|| {
                req.cookie(LANG_COOKIE)
                    .and_then(|c| Lang::parse(c.value()))
                    .filter(offers)
            })
            .or_else(|| {
                req.headers()
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|h| h.to_str().ok())
                    .and_then(|h| accept_language(h, offered))
            })
            .or_else(|| offered.first().map(|&l| Lang::from(l)))
            .unwrap_or_default()
    }
}

impl From<Language> for Lang {
    fn from(l: Language) -> Lang {
        match l {
            Language::Fr => Lang::Fr,
            Language::En => Lang::En,
        }
    }
}

impl From<Lang> for Language {
    fn from(l: Lang) -> Language {
        match l {
            Lang::Fr => Language::Fr,
            Lang::En => Language::En,
        }
    }
}

/// The `lang` query parameter, if it names a language we have.
pub fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

/// The preferred of the `offered` languages in an `Accept-Language` header.
fn accept_language(header: &str, offered: &[Language]) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut it = part.split(';');
        let Some(lang) = it
            .next()
            .and_then(Lang::parse)
            .filter(|l| offered.contains(&Language::from(*l)))
        else {
            continue;
        };
        let q = it
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.filter(|(q, _)| *q > 0.0).map(|(_, l)| l)
}

impl FromRequest for Lang {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Lang::of(req)))
    }
}

/// Remembers a `?lang=` choice in the `lang` cookie, so the switch holds across pages.
pub async fn remember_lang(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let chosen = query_lang(req.query_string());
    let mut res = next.call(req).await?;
    if let Some(lang) = chosen {
        let cookie = actix_web::cookie::Cookie::build(LANG_COOKIE, lang.code())
            .path("/")
            .same_site(actix_web::cookie::SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn french_by_default_english_on_request() {
        assert_eq!(
            Lang::of(&TestRequest::default().to_http_request()),
            Lang::Fr
        );
        let req = TestRequest::default()
            .insert_header((ACCEPT_LANGUAGE, "en-GB,en;q=0.9,fr;q=0.5"))
            .to_http_request();
        assert_eq!(Lang::of(&req), Lang::En);
        let req = TestRequest::default()
            .insert_header((ACCEPT_LANGUAGE, "de-DE,fr;q=0.4,en;q=0.3"))
            .to_http_request();
        assert_eq!(Lang::of(&req), Lang::Fr);
        let req = TestRequest::with_uri("/x?lang=en")
            .insert_header((ACCEPT_LANGUAGE, "fr"))
            .to_http_request();
        assert_eq!(Lang::of(&req), Lang::En);
    }

    #[test]
    fn only_an_offered_language_is_chosen_and_the_first_offered_is_the_default() {
        use actix_web::cookie::Cookie;
        let en_only = [Language::En];
        let en_first = [Language::En, Language::Fr];
        // Nothing asked: the first offered.
        let plain = TestRequest::default().to_http_request();
        assert_eq!(Lang::among(&plain, &en_first), Lang::En);
        assert_eq!(Lang::among(&plain, &Language::ALL), Lang::Fr);
        assert_eq!(Lang::among(&plain, &[]), Lang::Fr);
        // Asked for a language not offered, by any means: the first offered.
        let asked_fr = [
            TestRequest::with_uri("/x?lang=fr").to_http_request(),
            TestRequest::default()
                .cookie(Cookie::new(LANG_COOKIE, "fr"))
                .to_http_request(),
            TestRequest::default()
                .insert_header((ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9"))
                .to_http_request(),
        ];
        for req in &asked_fr {
            assert_eq!(Lang::among(req, &en_only), Lang::En);
            assert_eq!(Lang::among(req, &en_first), Lang::Fr);
        }
        // A header's offered language wins over a preferred one not offered.
        let req = TestRequest::default()
            .insert_header((ACCEPT_LANGUAGE, "fr;q=1, en;q=0.2"))
            .to_http_request();
        assert_eq!(Lang::among(&req, &en_only), Lang::En);
        // A query naming a language not offered leaves the cookie to decide.
        let req = TestRequest::with_uri("/x?lang=de")
            .cookie(Cookie::new(LANG_COOKIE, "en"))
            .to_http_request();
        assert_eq!(Lang::among(&req, &Language::ALL), Lang::En);
        // Without an application state: both languages, French first.
        assert_eq!(Lang::of(&plain), Lang::Fr);
    }
}
