//! Prints the OpenAPI document (the same as `GET /api/openapi.json`).
//!
//! `cargo run -p tickets-http --example openapi > openapi.json`

fn main() {
    let doc = String::from_utf8_lossy(tickets_http::openapi::document_json());
    println!("{doc}");
}
