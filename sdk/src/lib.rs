//! The Skopos plugin SDK: bindings for the `skopos:plugin@0.1.0` WIT package (`wit/` in the
//! Skopos repository), one module per world, and helpers.
//!
//! A custom assertion is a type implementing [`assertion::Guest`], exported with
//! `assertion::export_assertion!`, built with `cargo build --release --target wasm32-wasip2`:
//!
//! ```ignore
//! use skopos_sdk::assertion::{Guest, Info, Response, Verdict};
//!
//! struct NonEmpty;
//! impl Guest for NonEmpty {
//!     fn describe() -> Info { skopos_sdk::info("non-empty", "{}") }
//!     fn check(response: Response, _expected: String) -> Result<Verdict, String> {
//!         Ok(skopos_sdk::verdict(!response.body.is_empty(), "the body is empty", None))
//!     }
//! }
//! skopos_sdk::assertion::export_assertion!(NonEmpty);
//! ```

#[allow(clippy::too_many_arguments)] // generated code: the lowered `check` takes a flat argument list
pub mod assertion {
    //! The `assertion` world: `describe` and `check`.
    wit_bindgen::generate!({
        world: "assertion",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "export_assertion",
        default_bindings_module: "skopos_sdk::assertion",
    });

    pub use self::skopos::plugin::types::Header;
}

use assertion::{Info, Response, Verdict};

/// JSON values, for `actual` and settings.
pub use serde_json::Value as Json;

/// [`Info`] with this crate's version of the calling plugin (`CARGO_PKG_VERSION` of the
/// plugin is better: pass it in `version` when it differs).
pub fn info(name: &str, config_schema: &str) -> Info {
    Info { name: name.into(), version: "0.1.0".into(), config_schema: config_schema.into() }
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
