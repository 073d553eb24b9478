//! The Skopos plugin SDK: bindings for the `skopos:plugin@0.4.0` WIT package (`wit/0.4.0` in the
//! Skopos repository), one module per world, and helpers: [`http`] requests (allowed only to
//! the hosts the plugin's manifest grants), [`alert_text`] for messages people read, and for
//! probes [`net`] (connections to the step's target, timed).
//!
//! A custom assertion implements [`assertion::Guest`] and is exported with
//! `export_assertion!`; a notifier implements [`notifier::Guest`] and is exported with
//! `export_notifier!`; a probe implements [`probe::Guest`] and is exported with
//! `export_probe!` (an example: `plugins/tcp/src/lib.rs`). Build with
//! `cargo build --release --target wasm32-wasip2`:
//!
//! ```ignore
//! use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};
//!
//! struct Chat;
//! impl Guest for Chat {
//!     fn describe() -> Info { skopos_sdk::info!("chat", "{}") }
//!     fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
//!         let config = skopos_sdk::config(&config)?;
//!         let url = skopos_sdk::setting(&config, "url")?;
//!         skopos_sdk::http::post_json(url, &[], &serde_json::json!({"text": skopos_sdk::alert_text(&alert)}))?
//!             .ok()
//!     }
//! }
//! skopos_sdk::export_notifier!(Chat);
//! ```

pub mod http;
pub mod net;

#[allow(clippy::too_many_arguments)] // generated code: the lowered `check` takes a flat argument list
pub mod assertion {
    //! The `assertion` world: `describe` and `check`.
    wit_bindgen::generate!({
        world: "assertion",
        path: "../wit/0.4.0",
        pub_export_macro: true,
        export_macro_name: "__export_assertion",
        default_bindings_module: "skopos_sdk::assertion",
    });

    pub use self::exports::skopos::plugin::preparing::{Guest as Prepare, GuestPrepared, Prepared};
    pub use self::skopos::plugin::types::Header;

    /// For a plugin with nothing to prepare: keeps the expected value and calls the
    /// plugin's own `check` with it (what `export_assertion!(Plugin)` uses).
    pub struct Unprepared<P> {
        expected: String,
        plugin: std::marker::PhantomData<fn() -> P>,
    }

    impl<P> Unprepared<P> {
        pub fn new(expected: String) -> Unprepared<P> {
            Unprepared { expected, plugin: std::marker::PhantomData }
        }
    }

    impl<P: Guest + 'static> GuestPrepared for Unprepared<P> {
        fn check(&self, response: Response) -> Result<Verdict, String> {
            P::check(response, self.expected.clone())
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub mod notifier {
    //! The `notifier` world: `describe` and `deliver`, with the host's `email` capability.
    wit_bindgen::generate!({
        world: "notifier",
        path: "../wit/0.4.0",
        pub_export_macro: true,
        export_macro_name: "__export_notifier",
        default_bindings_module: "skopos_sdk::notifier",
        with: { "skopos:plugin/types@0.4.0": crate::assertion::skopos::plugin::types },
    });

    pub use self::skopos::plugin::email;
    pub use crate::assertion::skopos::plugin::types::{FailedAssertion, FailingStep, MessageText, Transition};
}

#[allow(clippy::too_many_arguments)]
pub mod probe {
    //! The `probe` world: `describe` and `probe`. A probe reaches the network with `std::net`
    //! (WASI sockets), and only the addresses the host grants it: see [`crate::net`].
    wit_bindgen::generate!({
        world: "probe",
        path: "../wit/0.4.0",
        pub_export_macro: true,
        export_macro_name: "__export_probe",
        default_bindings_module: "skopos_sdk::probe",
        with: { "skopos:plugin/types@0.4.0": crate::assertion::skopos::plugin::types },
    });

    pub use self::skopos::plugin::probing::Timing;
}

#[allow(clippy::too_many_arguments)]
pub mod script {
    //! The `script` world of `skopos:plugin@0.5.0` (the first version with it): `describe`
    //! and `run`, which runs a step's scripts and answers what they did. A script runner may
    //! make HTTP requests (`pm.sendRequest`) with [`crate::http`], only to the hosts of the
    //! call.
    wit_bindgen::generate!({
        world: "script",
        path: "../wit/0.5.0",
        pub_export_macro: true,
        export_macro_name: "__export_script",
        default_bindings_module: "skopos_sdk::script",
    });

    pub use self::skopos::plugin::scripting::{Phase, Scope, ScriptRequest, ScriptResponse, TestResult};
    pub use self::skopos::plugin::types::Header;
}

/// The contract version these bindings implement, stamped into every plugin built with the
/// SDK (the custom section `skopos:plugin-version`), so the host and tools can tell what a
/// component was built against.
pub const CONTRACT_VERSION: &str = "0.4.0";

/// Exports an assertion plugin (a type implementing [`assertion::Guest`]), stamped with
/// [`CONTRACT_VERSION`]. `export_assertion!(Plugin)` prepares nothing: every check calls
/// `Plugin::check`. `export_assertion!(Plugin, prepared)` is for a plugin that also
/// implements [`assertion::Prepare`], to make its expected value ready once (a schema
/// compiled) and check many responses against it.
#[macro_export]
macro_rules! export_assertion {
    ($plugin:ident) => {
        impl $crate::assertion::Prepare for $plugin {
            type Prepared = $crate::assertion::Unprepared<$plugin>;

            fn prepare(expected: String) -> Result<$crate::assertion::Prepared, String> {
                Ok($crate::assertion::Prepared::new($crate::assertion::Unprepared::<$plugin>::new(expected)))
            }
        }
        $crate::export_assertion!($plugin, prepared);
    };
    ($plugin:ident, prepared) => {
        $crate::stamp_contract_version!();
        $crate::assertion::__export_assertion!($plugin);
    };
}

/// Exports a notifier plugin (a type implementing [`notifier::Guest`]), stamped with
/// [`CONTRACT_VERSION`].
#[macro_export]
macro_rules! export_notifier {
    ($plugin:ident) => {
        $crate::stamp_contract_version!();
        $crate::notifier::__export_notifier!($plugin);
    };
}

/// Exports a probe plugin (a type implementing [`probe::Guest`]), stamped with
/// [`CONTRACT_VERSION`].
#[macro_export]
macro_rules! export_probe {
    ($plugin:ident) => {
        $crate::stamp_contract_version!();
        $crate::probe::__export_probe!($plugin);
    };
}

/// Exports a script plugin (a type implementing [`script::Guest`]), stamped with
/// [`SCRIPT_CONTRACT_VERSION`]: the `script` world is new in 0.5.0, and the other worlds are
/// unchanged since 0.4.0, which their plugins are built against.
#[macro_export]
macro_rules! export_script {
    ($plugin:ident) => {
        #[unsafe(link_section = "skopos:plugin-version")]
        #[used]
        static SKOPOS_PLUGIN_VERSION: [u8; 5] = *b"0.5.0";
        $crate::script::__export_script!($plugin);
    };
}

/// The contract version of the [`script`] world.
pub const SCRIPT_CONTRACT_VERSION: &str = "0.5.0";

/// The custom section `skopos:plugin-version` holding [`CONTRACT_VERSION`], in the plugin's
/// own crate so the linker keeps it.
#[doc(hidden)]
#[macro_export]
macro_rules! stamp_contract_version {
    () => {
        #[unsafe(link_section = "skopos:plugin-version")]
        #[used]
        static SKOPOS_PLUGIN_VERSION: [u8; 5] = *b"0.4.0";
    };
}

use assertion::{Response, Verdict};
use notifier::{Alert, DeliveryError, Transition};

/// JSON values, for `actual` and settings.
pub use serde_json::Value as Json;

/// The plugin's `Info` (for either world): its name, the calling crate's version
/// (`CARGO_PKG_VERSION`, which the plugin's manifest must match) and its settings schema.
#[macro_export]
macro_rules! info {
    ($name:expr, $config_schema:expr) => {
        $crate::assertion::Info {
            name: ::std::string::String::from($name),
            version: ::std::string::String::from(env!("CARGO_PKG_VERSION")),
            config_schema: ::std::string::String::from($config_schema),
        }
    };
}

/// A verdict: `why` becomes the message when it failed; `actual` is shown beside the
/// expected value.
pub fn verdict(passed: bool, why: &str, actual: Option<serde_json::Value>) -> Verdict {
    Verdict { passed, message: (!passed).then(|| why.to_string()), actual: actual.map(|value| value.to_string()) }
}

/// A response header's value by (case-insensitive) name.
pub fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

impl DeliveryError {
    /// A problem another attempt will not fix (bad settings, a 4xx).
    pub fn fatal(message: impl Into<String>) -> DeliveryError {
        DeliveryError { message: message.into(), retry: false }
    }

    /// A problem worth another attempt (a 5xx, a timeout).
    pub fn retry(message: impl Into<String>) -> DeliveryError {
        DeliveryError { message: message.into(), retry: true }
    }
}

/// A notifier's `config` (JSON text) as an object.
pub fn config(config: &str) -> Result<serde_json::Map<String, Json>, DeliveryError> {
    match serde_json::from_str(config) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Err(DeliveryError::fatal("config: expected an object")),
        Err(e) => Err(DeliveryError::fatal(format!("config: {e}"))),
    }
}

/// A required string setting: `config.url: required` when it is missing.
pub fn setting<'a>(config: &'a serde_json::Map<String, Json>, name: &str) -> Result<&'a str, DeliveryError> {
    match config.get(name) {
        Some(Json::String(value)) => Ok(value),
        Some(_) => Err(DeliveryError::fatal(format!("config.{name}: expected a string"))),
        None => Err(DeliveryError::fatal(format!("config.{name}: required"))),
    }
}

/// An optional string setting, or `default` when it is absent.
pub fn setting_or<'a>(
    config: &'a serde_json::Map<String, Json>,
    name: &str,
    default: &'a str,
) -> Result<&'a str, DeliveryError> {
    match config.get(name) {
        None | Some(Json::Null) => Ok(default),
        Some(_) => setting(config, name),
    }
}

/// Whether the alert says the check works again.
pub fn is_recovery(alert: &Alert) -> bool {
    alert.transition == Transition::Recovered
}

/// A key that is the same for every alert about one monitor's collection (to group,
/// deduplicate or close them): `skopos/MONITOR_ID/COLLECTION_ID`.
pub fn alert_key(alert: &Alert) -> String {
    format!("skopos/{}/{}", alert.monitor_id, alert.collection_id)
}

/// The failing step in lines for people: `Step 1 'get'`, then `status: expected 200, got
/// 503` for each failed assertion (or the step's error). Empty for a recovery.
pub fn failure_lines(alert: &Alert) -> Vec<String> {
    let Some(failure) = &alert.failure else { return Vec::new() };
    let mut lines = vec![format!("Step {}", failure.step)];
    if let Some(error) = &failure.error {
        lines.push(error.clone());
    }
    for assertion in &failure.assertions {
        let expected = assertion.expected.as_deref().unwrap_or("-");
        let actual = assertion.actual.as_deref().unwrap_or("nothing");
        lines.push(format!("{}: expected {expected}, got {actual}", assertion.subject));
    }
    lines
}

/// A colour for the state, as `#RRGGBB`: red failing, amber degraded or still failing,
/// green recovered.
pub fn colour(alert: &Alert) -> &'static str {
    match alert.transition {
        Transition::Failing => "#E01E5A",
        Transition::Degraded | Transition::Reminder => "#ECB22E",
        Transition::Recovered => "#2EB67D",
    }
}

/// `text` cut to at most `max_chars` characters, ending in `…` when it was cut.
pub fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars.saturating_sub(1)) {
        Some((cut, _)) if text.chars().count() > max_chars => format!("{}…", &text[..cut]),
        _ => text.to_string(),
    }
}

/// `FAILING`, `DEGRADED`, `STILL FAILING` or `RECOVERED`.
pub fn state_word(alert: &Alert) -> &'static str {
    match alert.transition {
        Transition::Failing => "FAILING",
        Transition::Degraded => "DEGRADED",
        Transition::Reminder => "STILL FAILING",
        Transition::Recovered => "RECOVERED",
    }
}

/// A headline: the template's `title` when the monitor has one, else `FAILING: checkout /
/// login`.
pub fn alert_title(alert: &Alert) -> String {
    match &alert.custom_text {
        Some(custom) => custom.title.clone(),
        None => format!("{}: {} / {}", state_word(alert), alert.monitor, alert.collection),
    }
}

/// The one-line summary (`checkout / login is failing: 2 'pay': ...`), or the template's
/// `text` when the monitor has one.
pub fn summary(alert: &Alert) -> String {
    alert.custom_text.as_ref().map_or_else(|| alert.summary.clone(), |custom| custom.text.clone())
}

/// A short text for people: the template's `text` when the monitor has one, else
/// `[FAILING] checkout / login is failing: 2 'pay': status: expected 200, got 503 (since
/// 2026-11-25T10:00:00Z) <run link>`.
pub fn alert_text(alert: &Alert) -> String {
    if let Some(custom) = &alert.custom_text {
        return custom.text.clone();
    }
    let mut text = format!("[{}] {} (since {})", state_word(alert), alert.summary, alert.since);
    if let Some(region) = &alert.region {
        text.push_str(&format!(" [{region}]"));
    }
    if let Some(link) = &alert.run_link {
        text.push(' ');
        text.push_str(link);
    }
    text
}
