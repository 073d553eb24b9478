//! Assertion plugins (world `assertion`): `{ op: plugin, plugin: NAME, value: ... }` hands
//! the response to the plugin's `check`.

use serde_json::Value;
use wasmtime::component::{Component, Linker};

use super::sandbox::{Grants, Sandbox};
use super::{Described, Limits, PluginHost, call_error};
use skopos_core::assert::{AssertionPlugins, PluginFuture, PluginVerdict};
use skopos_core::response::Response;

mod bindings {
    wasmtime::component::bindgen!({
        world: "assertion",
        path: "../../wit",
        exports: { default: async },
    });
}

use bindings::skopos::plugin::types as wit;

pub type Pre = bindings::AssertionPre<Sandbox>;

/// Links `component` as an assertion plugin.
pub(super) fn link(linker: &Linker<Sandbox>, component: &Component) -> Result<Pre, String> {
    let pre = linker.instantiate_pre(component).map_err(|e| format!("cannot link: {e:#}"))?;
    Pre::new(pre).map_err(|e| format!("not an assertion plugin: {e:#}"))
}

/// Asks the plugin what it is.
pub(super) async fn describe(pre: &Pre, limits: Limits) -> wasmtime::Result<Described> {
    let mut store = Sandbox::store(pre.engine(), Grants::default(), limits.deadline, limits.memory_bytes);
    let plugin = pre.instantiate_async(&mut store).await?;
    let info = plugin.call_describe(&mut store).await?;
    Ok(Described { name: info.name, version: info.version, config_schema: info.config_schema })
}

impl AssertionPlugins for PluginHost {
    fn evaluate<'a>(&'a self, plugin: &'a str, config: Option<&'a Value>, response: &'a Response) -> PluginFuture<'a> {
        Box::pin(async move {
            let assertion = self.assertions.get(plugin).ok_or_else(|| {
                let loaded: Vec<&str> = self.assertions.keys().map(String::as_str).collect();
                format!("no assertion plugin named `{plugin}` is loaded (loaded: {})", loaded.join(", "))
            })?;
            let input = wit::Response {
                status: response.status,
                headers: response
                    .headers
                    .iter()
                    .map(|(name, value)| wit::Header {
                        name: name.to_string(),
                        value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    })
                    .collect(),
                body: response.body.to_vec(),
                latency_ms: response.latency.as_secs_f64() * 1000.0,
            };
            let expected = config.map_or_else(|| "null".to_string(), Value::to_string);
            let limits = self.options.limits;
            let mut store = Sandbox::store(&self.engine, Grants::default(), limits.deadline, limits.memory_bytes);
            let started = std::time::Instant::now();
            let outcome = async {
                let instance = assertion.pre.instantiate_async(&mut store).await?;
                instance.call_check(&mut store, &input, &expected).await
            }
            .await
            .map_err(|e| call_error(e, limits.deadline))
            .and_then(|checked| checked);
            self.record_call(assertion, &outcome, started);
            let verdict = outcome?;
            Ok(PluginVerdict {
                passed: verdict.passed,
                actual: verdict.actual.map(|text| serde_json::from_str(&text).unwrap_or(Value::String(text))),
                message: verdict.message,
            })
        })
    }
}
