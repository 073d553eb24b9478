//! `javascript`: runs a step's scripts as Postman writes them, on the Boa engine, inside the
//! plugin sandbox. A collection uses it by giving its steps a `script`:
//!
//! ```yaml
//! - name: pay
//!   request: { method: POST, url: "@{{vars.base}}/pay", json: { amount: 10 } }
//!   script:
//!     before: |
//!       const signature = CryptoJS.HmacSHA256(pm.request.body.raw, pm.environment.get("key"));
//!       pm.request.headers.add({ key: "X-Signature", value: signature.toString() });
//!     after: |
//!       pm.test("paid", () => pm.expect(pm.response.json().status).to.eql("paid"));
//! ```
//!
//! The sandbox has `pm` (`test`, `expect`, `response`, `request`, `environment`,
//! `collectionVariables`, `globals`, `variables`, `info`, `sendRequest`), the legacy globals
//! (`tests`, `responseBody`, `responseCode`, `responseHeaders`, `responseTime`, `postman.*`,
//! `environment`, `globals`, `data`, `iteration`, `request`), chai's `expect` with its
//! semantics, lodash's everyday functions as `_`, `CryptoJS` hashes and HMACs, `atob`,
//! `btoa`, `xml2Json`, `console` and `require` of those. See `prelude/` for each.
//!
//! One JavaScript context is made per instance, with the prelude evaluated once; every call
//! runs its scripts in fresh functions with fresh `pm` objects, and whatever a script left on
//! the global object is removed after the call. A loop or recursion beyond the limits below
//! fails the script with the reason; the host's deadline and memory cap stop anything else.

mod natives;
mod outcome;

use std::cell::RefCell;

use boa_engine::{Context, JsValue, Source, js_string};
use skopos_sdk::script::Source as Script;
use skopos_sdk::script::{Guest, Info, ScriptCall, ScriptError, ScriptOutcome};

/// The sandbox, in the order it is evaluated.
const PRELUDE: [(&str, &str); 6] = [
    ("chai.js", include_str!("prelude/chai.js")),
    ("lodash.js", include_str!("prelude/lodash.js")),
    ("sugar.js", include_str!("prelude/sugar.js")),
    ("crypto.js", include_str!("prelude/crypto.js")),
    ("postman.js", include_str!("prelude/postman.js")),
    ("sandbox.js", include_str!("prelude/sandbox.js")),
];

/// Loop iterations one call may make (a `while (true) {}` stops here with an error).
const LOOP_ITERATIONS: u64 = 10_000_000;
/// How deep calls may nest.
const RECURSION: usize = 400;

thread_local! {
    static CONTEXT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

struct JavaScript;

impl Guest for JavaScript {
    fn describe() -> Info {
        Info {
            name: "javascript".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            config_schema: r#"{"type":"null"}"#.into(),
        }
    }

    fn check(script: Script) -> Result<(), ScriptError> {
        let failed =
            |(message, line): (String, Option<u32>)| ScriptError { source: script.name.clone(), message, line };
        with_context(|context| {
            let sandbox = global(context, "__skopos")?;
            Ok(compile(context, &sandbox, &script.code).map(|_| ()))
        })
        .map_err(|message| failed((message, None)))?
        .map_err(failed)
    }

    fn run(call: ScriptCall) -> Result<ScriptOutcome, String> {
        with_context(|context| run(context, call))
    }
}

/// `work` on this instance's context, made (with the sandbox loaded) on first use.
fn with_context<T>(work: impl FnOnce(&mut Context) -> Result<T, String>) -> Result<T, String> {
    CONTEXT.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(new_context()?);
        }
        work(cell.as_mut().ok_or("no context")?)
    })
}

fn new_context() -> Result<Context, String> {
    let mut context = Context::default();
    context.runtime_limits_mut().set_loop_iteration_limit(LOOP_ITERATIONS);
    context.runtime_limits_mut().set_recursion_limit(RECURSION);
    natives::register(&mut context).map_err(|e| e.to_string())?;
    for (name, code) in PRELUDE {
        context.eval(Source::from_bytes(code)).map_err(|e| format!("prelude {name}: {e}"))?;
    }
    Ok(context)
}

fn run(context: &mut Context, call: ScriptCall) -> Result<ScriptOutcome, String> {
    let input = outcome::input(&call);
    let sandbox = global(context, "__skopos")?;
    let begin = method(context, &sandbox, "begin")?;
    begin
        .call(&JsValue::from(sandbox.clone()), &[JsValue::from(js_string!(input))], context)
        .map_err(|e| format!("begin: {e}"))?;
    let mut error = None;
    for source in &call.scripts {
        if let Some(failed) = run_one(context, &sandbox, &source.code) {
            error = Some(ScriptError { source: source.name.clone(), message: failed.0, line: failed.1 });
            break;
        }
    }
    let finish = method(context, &sandbox, "finish")?;
    let finished = finish.call(&JsValue::from(sandbox.clone()), &[], context).map_err(|e| format!("finish: {e}"))?;
    let text = finished.to_string(context).map_err(|e| e.to_string())?.to_std_string_escaped();
    outcome::read(&text, &call, error)
}

/// Runs one script; its error and line when it threw or was stopped.
fn run_one(context: &mut Context, sandbox: &boa_engine::JsObject, code: &str) -> Option<(String, Option<u32>)> {
    let function = match compile(context, sandbox, code) {
        Ok(function) => function,
        Err(failed) => return Some(failed),
    };
    let invoke = method(context, sandbox, "invoke").ok()?;
    let outcome = invoke.call(&JsValue::from(sandbox.clone()), &[function], context);
    let threw = match outcome {
        Ok(value) if value.is_undefined() => return None,
        Ok(value) => value.to_string(context).map(|s| s.to_std_string_escaped()).unwrap_or_default(),
        // Not catchable by the script: a limit was reached.
        Err(error) => error.to_string(),
    };
    let _ = context.run_jobs();
    Some(located(&threw))
}

/// The script as a function of the sandbox's names, compiled and not called; its syntax error
/// and line otherwise. The wrapper sits on the script's first line, so its lines keep their
/// numbers.
fn compile(
    context: &mut Context,
    sandbox: &boa_engine::JsObject,
    code: &str,
) -> Result<JsValue, (String, Option<u32>)> {
    let names = sandbox_names(context, sandbox).unwrap_or_default();
    let wrapped = format!("(function ({names}) {{{code}\n}})");
    context.eval(Source::from_bytes(&wrapped)).map_err(|error| located(&error.to_string()))
}

/// The error's first line (Boa appends a backtrace of function starts, not of the failing
/// line), and the line a syntax error names (`... at line N, col M`).
fn located(message: &str) -> (String, Option<u32>) {
    let first = message.lines().next().unwrap_or_default().trim_end().to_string();
    let line =
        first.rsplit_once("line ").and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok());
    (first, line)
}

fn sandbox_names(context: &mut Context, sandbox: &boa_engine::JsObject) -> Option<String> {
    let names = sandbox.get(js_string!("names"), context).ok()?;
    Some(names.to_string(context).ok()?.to_std_string_escaped())
}

fn global(context: &mut Context, name: &str) -> Result<boa_engine::JsObject, String> {
    let value = context.global_object().get(js_string!(name), context).map_err(|e| e.to_string())?;
    value.as_object().ok_or_else(|| format!("{name} is missing"))
}

fn method(
    context: &mut Context,
    object: &boa_engine::JsObject,
    name: &str,
) -> Result<boa_engine::object::builtins::JsFunction, String> {
    let value = object.get(js_string!(name), context).map_err(|e| e.to_string())?;
    value
        .as_object()
        .and_then(boa_engine::object::builtins::JsFunction::from_object)
        .ok_or_else(|| format!("{name} is not a function"))
}

skopos_sdk::export_script!(JavaScript);
