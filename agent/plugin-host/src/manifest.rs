//! A plugin's manifest: `NAME.yaml` beside `NAME.wasm`. It says what the plugin is and which
//! capabilities it is granted; everything not granted is refused.
//!
//! ```yaml
//! kind: notifier          # or assertion, or probe
//! version: 0.1.0          # must match what the plugin's `describe` says
//! capabilities:
//!   http: [hooks.slack.com, "*.slack.com"]   # absent: no HTTP at all
//!   email: true                             # send through the agent's SMTP server
//!   sockets:                                # probes: WASI sockets to the step's target
//!     tcp: true
//!     udp: false
//!     ports: [5432]                         # when the target names no port
//!     settings: [resolver]                  # settings naming more places it may reach
//! ```
//!
//! A notifier granted `http` may also reach the host of its own `url` or `webhook_url`
//! setting: the address the user configured for it.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use skopos_core::document::{Diagnostic, Document};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Assertion,
    Notifier,
    Probe,
    /// Runs steps' scripts (since contract 0.5.0).
    Script,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Assertion => "assertion",
            Kind::Notifier => "notifier",
            Kind::Probe => "probe",
            Kind::Script => "script",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub kind: Kind,
    pub version: String,
    #[serde(default)]
    pub capabilities: Capabilities,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Hosts the plugin may send HTTP requests to (`example.com`, or `*.example.com` for its
    /// subdomains). Absent: no HTTP at all, not even to its own `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<Vec<String>>,
    /// May send email through the agent's SMTP server.
    #[serde(default)]
    pub email: bool,
    /// A probe's sockets (see [`Sockets`]). Absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sockets: Option<Sockets>,
}

/// What a probe may reach with WASI sockets: the addresses of the step's `target` and of
/// the settings named in `settings`, on the port written there or else one of `ports`.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sockets {
    #[serde(default)]
    pub tcp: bool,
    #[serde(default)]
    pub udp: bool,
    /// The protocol's usual ports, for a target that names none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<u16>,
    /// Settings whose value is another place the probe may reach (`host[:port]`), like a
    /// DNS probe's `resolver`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<String>,
    /// Connections (and datagrams sent) per call, at most.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// Whether the step's target is a place to reach (`false` for a DNS probe, whose target
    /// is a name to look up at its `resolver`).
    #[serde(default = "yes")]
    pub reach_target: bool,
}

fn yes() -> bool {
    true
}

impl Default for Sockets {
    fn default() -> Sockets {
        Sockets {
            tcp: false,
            udp: false,
            ports: Vec::new(),
            settings: Vec::new(),
            max_connections: 16,
            reach_target: true,
        }
    }
}

fn default_max_connections() -> u32 {
    Sockets::default().max_connections
}

/// Settings whose host a notifier granted `http` may reach: the address the user gave it.
pub const URL_SETTINGS: [&str; 2] = ["url", "webhook_url"];

impl Manifest {
    /// Reads `text` (YAML or JSON); problems name `file:line:column`.
    pub fn parse(file: &Path, text: &str) -> Result<Manifest, Diagnostic> {
        let mut document = Document::parse(file, text)?;
        document.deserialize()
    }
}

impl Capabilities {
    /// The hosts a call with these settings may reach, or `None` for no HTTP at all.
    pub fn allowed_hosts(&self, config: &Map<String, Value>) -> Option<Vec<String>> {
        let mut hosts = self.http.clone()?;
        for setting in URL_SETTINGS {
            let host = config.get(setting).and_then(Value::as_str).and_then(|url| url::Url::parse(url).ok());
            if let Some(host) = host.as_ref().and_then(url::Url::host_str) {
                hosts.push(host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase());
            }
        }
        Some(hosts)
    }
}

/// Whether `host` is one of `allowed` (`*.example.com` allows its subdomains).
pub fn host_allowed(allowed: &[String], host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    allowed.iter().any(|pattern| match pattern.strip_prefix("*.") {
        Some(domain) => host.strip_suffix(domain).is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
        None => pattern.eq_ignore_ascii_case(&host),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_exactly_or_as_subdomains() {
        let allowed = vec!["hooks.slack.com".to_string(), "*.pagerduty.com".to_string()];
        assert!(host_allowed(&allowed, "hooks.slack.com"));
        assert!(host_allowed(&allowed, "HOOKS.slack.com"));
        assert!(host_allowed(&allowed, "events.pagerduty.com"));
        assert!(!host_allowed(&allowed, "pagerduty.com"));
        assert!(!host_allowed(&allowed, "evilpagerduty.com"));
        assert!(!host_allowed(&allowed, "slack.com"));
        assert!(!host_allowed(&allowed, "hooks.slack.com.evil.net"));
    }

    #[test]
    fn the_configured_url_adds_its_host_only_when_http_is_granted() {
        let config: Map<String, Value> = serde_json::from_str(r#"{"url": "http://127.0.0.1:9000/hook"}"#).unwrap();
        let granted = Capabilities { http: Some(vec!["api.example.com".into()]), ..Capabilities::default() };
        assert_eq!(granted.allowed_hosts(&config).unwrap(), ["api.example.com", "127.0.0.1"]);
        assert_eq!(Capabilities::default().allowed_hosts(&config), None);
    }

    #[test]
    fn manifest_problems_are_located() {
        let err =
            Manifest::parse(Path::new("slack.yaml"), "kind: notifier\nversion: 0.1.0\ncapabilities:\n  smtp: true\n")
                .unwrap_err()
                .to_string();
        assert!(err.starts_with("slack.yaml:4:3"), "{err}");
        assert!(err.contains("smtp"), "{err}");
    }
}
