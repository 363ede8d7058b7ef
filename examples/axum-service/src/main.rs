//! Serves the example on 127.0.0.1:3000 (plain HTTP, so the cookie is in development
//! mode: no `Secure`, no `__Host-` prefix).

use std::sync::Arc;

use portcullis::session::http::CookieConfig;
use portcullis::store::SqliteStore;
use portcullis_example_axum::{App, router};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = SqliteStore::open_in_memory().await?;
    let app = Arc::new(App::new(store, CookieConfig::development())?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, router(app)).await?;
    Ok(())
}
