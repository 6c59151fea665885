//! The same scenarios against a real Redis (a `redis-server` of the test's own, keys under
//! a unique prefix).

use crate::helpers::spawn_redis_app;
use crate::seed_contract::{extensions_scenario, seed_scenario};
use crate::services;

#[actix_web::test]
async fn the_seed_scenario_holds_on_redis() {
    let (_server, app) = spawn_redis_app().await;
    assert_eq!(app.store, "redis");
    seed_scenario(&app).await;
}

#[actix_web::test]
async fn desks_services_idempotent_takes_recall_and_no_show_work_on_redis() {
    let (_server, app) = spawn_redis_app().await;
    extensions_scenario(&app).await;
}

#[actix_web::test]
async fn readiness_follows_redis_going_down_and_coming_back() {
    let (mut server, app) = spawn_redis_app().await;
    let ready = app.get_readyz().await;
    ready.assert_status(200);
    assert_eq!(ready.json()["store"], "redis");

    server.stop();
    let down = app.get_readyz().await;
    down.assert_status(503);
    assert_eq!(down.json()["error"], "store_unavailable");
    app.get_status().await.json_error(503, "store_unavailable");
    app.post_take().await.json_error(503, "store_unavailable");

    server.restart();
    // The pool reconnects on the next request.
    let mut last = app.get_readyz().await;
    for _ in 0..50 {
        if last.status.as_u16() == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        last = app.get_readyz().await;
    }
    last.assert_status(200);
    app.get_status().await.assert_status(200);
}

#[actix_web::test]
async fn the_office_configuration_is_read_and_replaced_on_redis() {
    let (_server, app) = spawn_redis_app().await;
    services::config_scenario(&app).await;
}

#[actix_web::test]
async fn takes_for_services_and_priority_with_their_refusals_work_on_redis() {
    let (_server, app) = spawn_redis_app().await;
    services::take_scenario(&app).await;
}

#[actix_web::test]
async fn call_transfer_and_requeue_work_on_redis() {
    let (_server, app) = spawn_redis_app().await;
    services::desk_scenario(&app).await;
}

#[actix_web::test]
async fn the_status_and_snapshot_per_service_hold_on_redis() {
    let (_server, app) = spawn_redis_app().await;
    services::status_scenario(&app).await;
}
