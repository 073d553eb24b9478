//! `skopos plugin test SCRIPT-PLUGIN --value CODE [--response FILE]`: runs `CODE` as a step's
//! after-response script against the response and prints the tests it recorded.

use skopos_core::response::Response;
use skopos_core::script::{Phase, ScriptCall, ScriptPlugins, ScriptRequest, ScriptResponse, Source};
use skopos_plugin_host::PluginHost;

use super::{EXIT_FAILED, EXIT_OK};

pub async fn test(host: &PluginHost, plugin: &str, code: String, response: &Response) -> Result<u8, String> {
    let call = ScriptCall {
        phase: Phase::AfterResponse,
        scripts: vec![Source { name: "--value".into(), code }],
        request: ScriptRequest {
            method: "GET".into(),
            url: "http://127.0.0.1/".into(),
            headers: Vec::new(),
            body: None,
        },
        response: Some(ScriptResponse::of(response)),
        scopes: Default::default(),
        collection: "plugin test".into(),
        step: "plugin test".into(),
        hosts: Vec::new(),
    };
    let outcome = host.run_scripts(plugin, "plugin test", call).await?;
    for line in &outcome.console {
        println!("console: {line}");
    }
    for test in &outcome.tests {
        match (test.skipped, test.passed) {
            (true, _) => println!("skipped: {}", test.name),
            (false, true) => println!("passed: {}", test.name),
            (false, false) => println!("failed: {}: {}", test.name, test.message.as_deref().unwrap_or_default()),
        }
    }
    if let Some(error) = &outcome.error {
        println!("error: {error}");
    }
    let passed = outcome.error.is_none() && outcome.tests.iter().all(|t| t.passed);
    Ok(if passed { EXIT_OK } else { EXIT_FAILED })
}
