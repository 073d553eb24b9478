//! Public status pages, served without sign-in: `/status/{slug}` (HTML), `feed.atom`,
//! `api/v2/summary.json`, and `/` for a request whose `Host` is one of a page's `hosts`.
//! Each rendering is kept with the built view it came from (`PageViews` in the service), so
//! that most requests only copy bytes; `ETag` and `If-None-Match` spare even that.

mod feed;
pub(crate) mod html;
mod summary;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

use crate::error::ApiError;
use skopos_service::Agent;
use skopos_service::status_page::{PageView, PageViews};

type Agent_ = Arc<Agent>;

/// No scripts at all; the page's one stylesheet is inline.
const POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Html,
    Atom,
    Summary,
}

impl Kind {
    fn content_type(self) -> &'static str {
        match self {
            Kind::Html => "text/html; charset=utf-8",
            Kind::Atom => "application/atom+xml; charset=utf-8",
            Kind::Summary => "application/json",
        }
    }
}

/// A rendering, with the view it was made from.
struct Rendered {
    view: Arc<PageView>,
    body: Bytes,
    etag: String,
}

#[derive(Default)]
struct Renderings(Mutex<HashMap<(String, Kind), Rendered>>);

impl Renderings {
    fn get(&self, agent: &Agent, slug: &str, kind: Kind) -> Result<Option<(Bytes, String)>, ApiError> {
        let Some(view) = agent.pages.get(agent, slug)? else { return Ok(None) };
        let key = (slug.to_string(), kind);
        if let Some(kept) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && Arc::ptr_eq(&kept.view, &view)
        {
            return Ok(Some((kept.body.clone(), kept.etag.clone())));
        }
        let page_url =
            format!("{}/status/{}", agent.public_url.as_deref().unwrap_or("").trim_end_matches('/'), view.slug);
        let body = Bytes::from(match kind {
            Kind::Html => html::render(&view),
            Kind::Atom => feed::feed(&view, &page_url),
            Kind::Summary => summary::summary(&view, &page_url).to_string(),
        });
        let etag = crate::etag::of(&body);
        let rendered = Rendered { view, body: body.clone(), etag: etag.clone() };
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(key, rendered);
        Ok(Some((body, etag)))
    }
}

fn serve(
    agent: Agent_,
    renderings: Arc<Renderings>,
    slug: String,
    kind: Kind,
    if_none_match: Option<String>,
) -> Response {
    let found = match renderings.get(&agent, &slug, kind) {
        Ok(Some(found)) => found,
        Ok(None) => return ApiError::new(StatusCode::NOT_FOUND, format!("no status page `{slug}`")).into_response(),
        Err(error) => return error.into_response(),
    };
    let (body, etag) = found;
    let mut reply = crate::etag::reply(body, &etag, if_none_match.as_deref());
    let headers = reply.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.content_type()));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=30"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    reply
}

async fn off_async(
    agent: Agent_,
    renderings: Arc<Renderings>,
    slug: String,
    kind: Kind,
    etag: Option<String>,
) -> Response {
    tokio::task::spawn_blocking(move || serve(agent, renderings, slug, kind, etag)).await.unwrap_or_else(|_| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the request was cancelled").into_response()
    })
}

pub fn routes(with_agent: &BoxedFilter<(Agent_,)>) -> Vec<BoxedFilter<(Response,)>> {
    let renderings = Arc::new(Renderings::default());
    let with_renderings = warp::any().map(move || renderings.clone()).boxed();
    let etag = || warp::header::optional::<String>("if-none-match").boxed();
    let page = |kind: Kind, path: BoxedFilter<(String,)>| {
        path.and(warp::get())
            .and(with_agent.clone())
            .and(with_renderings.clone())
            .and(etag())
            .then(move |slug: String, agent: Agent_, renderings: Arc<Renderings>, etag: Option<String>| {
                off_async(agent, renderings, crate::decode(&slug), kind, etag)
            })
            .boxed()
    };
    let by_host = warp::path::end()
        .and(warp::get())
        .and(warp::header::<String>("host"))
        .and(with_agent.clone())
        .and_then(|host: String, agent: Agent_| async move {
            let found = tokio::task::spawn_blocking(move || {
                PageViews::slug_for_host(&agent.store, &host).ok().flatten().map(|slug| (slug, agent))
            });
            match found.await {
                Ok(Some(found)) => Ok(found),
                _ => Err(warp::reject::not_found()),
            }
        })
        .untuple_one()
        .and(with_renderings.clone())
        .and(etag())
        .then(|slug: String, agent: Agent_, renderings: Arc<Renderings>, etag: Option<String>| {
            off_async(agent, renderings, slug, Kind::Html, etag)
        })
        .boxed();
    vec![
        by_host,
        page(Kind::Html, warp::path!("status" / String).boxed()),
        page(Kind::Atom, warp::path!("status" / String / "feed.atom").boxed()),
        page(Kind::Summary, warp::path!("status" / String / "api" / "v2" / "summary.json").boxed()),
    ]
}
