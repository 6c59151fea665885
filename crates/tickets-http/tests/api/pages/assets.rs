//! What every page shares: clean markup, the assets and their cache headers, the CSP.

use super::*;

#[actix_web::test]
async fn the_sign_in_and_error_pages_are_clean_too() {
    let app = spawn_app().await;
    assert_clean_page(&app.get_path("/api/login").await, 200);
    assert_clean_page(&app.post_login("wrong", None).await, 401);
}

#[actix_web::test]
async fn assets_are_served_with_cache_headers() {
    let app = spawn_app().await;
    let href = stylesheet(&app).await;
    assert!(href.starts_with("/assets/css/app.css?v="), "{href}");
    let res = app.get_path(&href).await;
    res.assert_status(200);
    assert!(
        res.content_type().starts_with("text/css"),
        "{}",
        res.content_type()
    );
    let cache = res.header("cache-control").expect("a cache header");
    assert!(
        cache.contains("immutable") && cache.contains("max-age=31536000"),
        "{cache}"
    );
    assert!(!res.body.is_empty());
    let etag = res.header("etag").expect("an ETag").to_owned();

    for other in ["/assets/css/app.css", "/assets/css/app.css?v=0000000000"] {
        let res = app.get_path(other).await;
        res.assert_status(200);
        let cache = res.header("cache-control").expect("a cache header");
        assert!(!cache.contains("immutable"), "{other}: {cache}");
        assert!(cache.contains("no-cache"), "{other}: {cache}");
    }
    let again = app
        .send(
            app.get("/assets/css/app.css")
                .insert_header((header::IF_NONE_MATCH, etag.as_str())),
        )
        .await;
    again.assert_status(304);
    assert!(again.body.is_empty());

    // Scripts are assets too, with their own content type.
    let js = app.get_path("/assets/js/common.js").await;
    js.assert_status(200);
    assert!(
        js.content_type().contains("javascript"),
        "{}",
        js.content_type()
    );
    // No way out of the asset folder.
    for path in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/",
    ] {
        let res = app.get_path(path).await;
        assert_eq!(res.status.as_u16(), 404, "{path}: {}", res.text());
    }
}

#[actix_web::test]
async fn every_page_the_docs_ui_included_forbids_inline_styles_and_asks_for_https() {
    let app = spawn_app().await;
    app.open_day().await;
    let n = app.take().await;
    let day = app.today().await;
    let follow = format!("/api/tickets/follow/{day}/{n}");
    let pages = [
        "/api/tickets/public",
        "/api/tickets/display",
        "/api/tickets/staff",
        "/api/dashboard",
        "/api/login",
        follow.as_str(),
        "/api/tickets/follow/2000-01-01/1",
        "/api/docs/",
        "/api/docs/index.html",
        "/api/docs/swagger-initializer.js",
        "/api/docs/swagger-ui.css",
        "/api/openapi.json",
        "/api/tickets/status",
        "/no-such-page",
    ];
    for path in pages {
        let res = app.get_staff(path).await;
        assert!(
            res.status.is_success() || res.status.as_u16() == 404,
            "{path}: {}",
            res.status
        );
        let csp = res
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        let style_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("style-src "))
            .unwrap_or_else(|| panic!("{path}: no style-src in {csp}"));
        assert_eq!(style_src, "style-src 'self'", "{path}");
        assert_eq!(
            res.header("strict-transport-security"),
            Some("max-age=31536000"),
            "{path}"
        );
    }
}
