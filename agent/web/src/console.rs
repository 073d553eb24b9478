//! The web console: the files in `console/` (plain ES modules, no build step), embedded in
//! the binary and served at `/` and `/assets/...` with a strict content security policy. The
//! console uses the JSON API with a session cookie (see `api::session`).

use rust_embed::RustEmbed;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Reply};

#[derive(RustEmbed)]
#[folder = "../../console/"]
struct Assets;

/// Scripts, styles and requests only from the agent itself; never inside a frame.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                      connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `GET /` and `GET /assets/{file}`.
pub fn routes() -> BoxedFilter<(Response,)> {
    let index = warp::path::end().and(warp::get()).map(|| asset("index.html")).boxed();
    let assets = warp::path!("assets" / String).and(warp::get()).map(|file: String| asset(&file)).boxed();
    index.or(assets).unify().boxed()
}

fn asset(file: &str) -> Response {
    let Some(found) = Assets::get(file) else {
        return warp::reply::with_status("no such file", StatusCode::NOT_FOUND).into_response();
    };
    let mut reply = Response::new(found.data.into_owned().into());
    let headers = reply.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(found.metadata.mimetype()) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    reply
}
