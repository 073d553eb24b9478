//! The cookies a response sets (`Set-Cookie`, RFC 6265), as assertions and references read
//! them: `NAME` is the cookie's value, `NAME[Attribute]` one of its attributes (`Path`,
//! `Max-Age`, `Secure`...), as Hurl's `cookie "NAME[Attribute]"` query reads them.

use http::HeaderMap;
use serde_json::Value;

/// What of a cookie is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieQuery {
    pub name: String,
    pub attribute: Option<Attribute>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute {
    Value,
    Expires,
    MaxAge,
    Domain,
    Path,
    Secure,
    HttpOnly,
    SameSite,
}

impl Attribute {
    const ALL: [Attribute; 8] = [
        Attribute::Value,
        Attribute::Expires,
        Attribute::MaxAge,
        Attribute::Domain,
        Attribute::Path,
        Attribute::Secure,
        Attribute::HttpOnly,
        Attribute::SameSite,
    ];

    /// As `Set-Cookie` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Attribute::Value => "Value",
            Attribute::Expires => "Expires",
            Attribute::MaxAge => "Max-Age",
            Attribute::Domain => "Domain",
            Attribute::Path => "Path",
            Attribute::Secure => "Secure",
            Attribute::HttpOnly => "HttpOnly",
            Attribute::SameSite => "SameSite",
        }
    }

    /// An attribute by its name, in any case (`max-age`).
    pub fn parse(name: &str) -> Option<Attribute> {
        Attribute::ALL.into_iter().find(|attribute| attribute.name().eq_ignore_ascii_case(name.trim()))
    }

    fn names() -> String {
        Attribute::ALL.map(Attribute::name).join(", ")
    }
}

impl CookieQuery {
    /// `NAME` or `NAME[Attribute]`.
    pub fn parse(text: &str) -> Result<CookieQuery, String> {
        let text = text.trim();
        let (name, attribute) = match text.strip_suffix(']').and_then(|rest| rest.split_once('[')) {
            Some((name, attribute)) => {
                let parsed = Attribute::parse(attribute).ok_or_else(|| {
                    format!("unknown cookie attribute `{attribute}`; expected one of {}", Attribute::names())
                })?;
                (name, Some(parsed))
            }
            None => (text, None),
        };
        if name.is_empty() || name.contains(['[', ']', ';', '=']) {
            return Err(format!("`{text}` is not a cookie name, or `NAME[Attribute]`"));
        }
        Ok(CookieQuery { name: name.to_string(), attribute })
    }

    /// What the response's `Set-Cookie` headers say: the last cookie of that name wins, as a
    /// browser's store keeps it. `Err` says what is missing.
    pub fn read(&self, headers: &HeaderMap) -> Result<Value, String> {
        let cookie = headers
            .get_all(http::header::SET_COOKIE)
            .iter()
            .filter_map(|header| SetCookie::parse(&String::from_utf8_lossy(header.as_bytes())))
            .rfind(|cookie| cookie.name == self.name)
            .ok_or_else(|| format!("no `{}` cookie set by the response", self.name))?;
        let attribute = match self.attribute {
            None | Some(Attribute::Value) => return Ok(Value::String(cookie.value)),
            Some(attribute) => attribute,
        };
        let name = attribute.name();
        let value = cookie.attributes.iter().rev().find(|(key, _)| key.eq_ignore_ascii_case(name));
        match (attribute, value) {
            (_, None) => Err(format!("the `{}` cookie has no `{name}`", self.name)),
            (Attribute::Secure | Attribute::HttpOnly, Some(_)) => Ok(Value::Bool(true)),
            (Attribute::MaxAge, Some((_, value))) => {
                Ok(value.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(value.clone())))
            }
            (_, Some((_, value))) => Ok(Value::String(value.clone())),
        }
    }
}

/// One `Set-Cookie` header.
struct SetCookie {
    name: String,
    value: String,
    /// `(name, value)` as written; a flag (`Secure`) has an empty value.
    attributes: Vec<(String, String)>,
}

impl SetCookie {
    fn parse(header: &str) -> Option<SetCookie> {
        let mut pieces = header.split(';');
        let (name, value) = pieces.next()?.split_once('=')?;
        let attributes = pieces
            .map(str::trim)
            .filter(|piece| !piece.is_empty())
            .map(|piece| match piece.split_once('=') {
                Some((key, value)) => (key.trim().to_string(), value.trim().to_string()),
                None => (piece.to_string(), String::new()),
            })
            .collect();
        Some(SetCookie { name: name.trim().to_string(), value: value.trim().to_string(), attributes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_and_its_attributes_are_read_from_set_cookie() {
        let mut headers = HeaderMap::new();
        for cookie in [
            "LSID=DQAAAKEaem_vYg; Expires=Wed, 13 Jan 2021 22:23:01 GMT; Secure; HttpOnly; Path=/accounts",
            "cookie2=; Max-Age=0; Path=/",
            "cookie2=second; path=/b",
        ] {
            headers.append(http::header::SET_COOKIE, cookie.parse().unwrap());
        }
        let read = |query: &str| CookieQuery::parse(query).unwrap().read(&headers);
        assert_eq!(read("LSID"), Ok(Value::from("DQAAAKEaem_vYg")));
        assert_eq!(read("LSID[Value]"), Ok(Value::from("DQAAAKEaem_vYg")));
        assert_eq!(read("LSID[Expires]"), Ok(Value::from("Wed, 13 Jan 2021 22:23:01 GMT")));
        assert_eq!(read("LSID[Path]"), Ok(Value::from("/accounts")));
        assert_eq!(read("LSID[Secure]"), Ok(Value::Bool(true)));
        assert_eq!(read("LSID[httponly]"), Ok(Value::Bool(true)));
        assert_eq!(read("LSID[Max-Age]"), Err("the `LSID` cookie has no `Max-Age`".into()));
        assert_eq!(read("LSID[SameSite]"), Err("the `LSID` cookie has no `SameSite`".into()));
        // The last cookie of a name wins, as a browser keeps it.
        assert_eq!(read("cookie2"), Ok(Value::from("second")));
        assert_eq!(read("cookie2[Path]"), Ok(Value::from("/b")));
        assert_eq!(read("none"), Err("no `none` cookie set by the response".into()));
        assert!(CookieQuery::parse("LSID[Colour]").unwrap_err().contains("unknown cookie attribute"));
    }
}
