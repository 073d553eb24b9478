//! The cookie jar of one collection run: cookies that responses set are sent back on later
//! steps and redirects, as browsers, Postman and Hurl do (`defaults.cookies: false` turns it
//! off).

use cookie_store::{CookieStore, RawCookie};
use http::{HeaderMap, HeaderValue, header};
use url::Url;

#[derive(Default)]
pub struct CookieJar {
    store: CookieStore,
}

impl CookieJar {
    /// Keeps the cookies a response to `url` set.
    pub fn store(&mut self, headers: &HeaderMap, url: &Url) {
        let cookies = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|text| RawCookie::parse(text.to_string()).ok());
        self.store.store_response_cookies(cookies, url);
    }

    /// Sets `Cookie` to the jar's cookies for the request's URL. With `keep_given`, a
    /// `Cookie` header the step wrote itself wins.
    pub fn apply(&self, url: &Url, headers: &mut HeaderMap, keep_given: bool) {
        if keep_given && headers.contains_key(header::COOKIE) {
            return;
        }
        let pairs: Vec<String> =
            self.store.get_request_values(url).map(|(name, value)| format!("{name}={value}")).collect();
        if let Ok(value) = HeaderValue::from_str(&pairs.join("; "))
            && !pairs.is_empty()
        {
            headers.insert(header::COOKIE, value);
        }
    }
}
