//! Postman's per-request settings (`protocolProfileBehavior`): what each means here. A
//! setting at Postman's default changes nothing; `followRedirects` and `maxRedirects` are the
//! step's `follow_redirects` and `max_redirects`; `removeRefererHeaderOnRedirect: true` is what
//! the agent does anyway; any other setting makes the request differ from the one Postman
//! sends.

use serde_json::{Map, Value, json};
use skopos_core::model::REDIRECTS_LIMIT;

/// What a request's settings become.
#[derive(Debug, Default, PartialEq)]
pub struct Behavior {
    /// `followRedirects`, when not Postman's default (`true`).
    pub follow_redirects: Option<bool>,
    /// `maxRedirects`, when not Postman's default (10, the agent's too).
    pub max_redirects: Option<u32>,
    /// Whether a body given to a GET (HEAD, ...) is sent: Postman leaves it out unless
    /// `disableBodyPruning` is set.
    pub sends_body_with_get: bool,
    /// Settings not carried over, as written (`"maxRedirects": 1`).
    pub not_carried: Vec<String>,
}

/// Postman's defaults for the settings it documents.
fn default_of(setting: &str) -> Option<Value> {
    Some(match setting {
        "followRedirects" | "strictSSL" => json!(true),
        "followOriginalHttpMethod"
        | "followAuthorizationHeader"
        | "removeRefererHeaderOnRedirect"
        | "disableBodyPruning"
        | "disableUrlEncoding"
        | "disableCookies"
        | "insecureHTTPParser" => json!(false),
        "maxRedirects" => json!(10),
        _ => return None,
    })
}

pub fn read(settings: Option<&Value>) -> Behavior {
    let mut behavior = Behavior::default();
    for (setting, value) in settings.and_then(Value::as_object).unwrap_or(&Map::new()) {
        if default_of(setting).as_ref() == Some(value) {
            continue;
        }
        match (setting.as_str(), value) {
            ("followRedirects", Value::Bool(follow)) => behavior.follow_redirects = Some(*follow),
            ("maxRedirects", Value::Number(most))
                if most.as_u64().is_some_and(|most| most <= u64::from(REDIRECTS_LIMIT)) =>
            {
                behavior.max_redirects = most.as_u64().and_then(|most| u32::try_from(most).ok());
            }
            ("disableBodyPruning", Value::Bool(true)) => behavior.sends_body_with_get = true,
            // The agent never adds a `Referer` when it follows a redirect.
            ("removeRefererHeaderOnRedirect", Value::Bool(true)) => {}
            _ => behavior.not_carried.push(format!("`{setting}: {value}`")),
        }
    }
    behavior
}

/// Methods whose body Postman does not send (unless `disableBodyPruning`).
pub fn prunes_body(method: &str) -> bool {
    ["GET", "HEAD", "COPY", "PURGE", "UNLOCK"].contains(&method.to_ascii_uppercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_change_nothing_and_the_rest_is_named() {
        let settings = json!({"followRedirects": false, "followOriginalHttpMethod": false, "maxRedirects": 1,
                              "disableBodyPruning": true, "disableUrlEncoding": true});
        let behavior = read(Some(&settings));
        assert_eq!(
            behavior,
            Behavior {
                follow_redirects: Some(false),
                max_redirects: Some(1),
                sends_body_with_get: true,
                not_carried: vec!["`disableUrlEncoding: true`".into()]
            }
        );
        let beyond = read(Some(&json!({"maxRedirects": 1000})));
        assert_eq!(beyond.not_carried, vec!["`maxRedirects: 1000`".to_string()]);
        assert_eq!(read(Some(&json!({"strictSSL": true}))), Behavior::default());
        assert!(prunes_body("get") && !prunes_body("POST"));
    }
}
