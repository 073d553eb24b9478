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

/// Compiled scripts kept by their code, at most: a collection's scripts are compiled once.
const COMPILED: usize = 256;

thread_local! {
    static CONTEXT: RefCell<Option<Context>> = const { RefCell::new(None) };
    /// Each script's function and the sandbox names it takes (it closes over nothing but the
    /// global object, so one serves every call).
    static FUNCTIONS: RefCell<std::collections::HashMap<String, Compiled>> = RefCell::new(std::collections::HashMap::new());
    /// Every name the sandbox gives a script (`pm`, `responseBody`, ...).
    static NAMES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

struct JavaScript;

/// A script compiled: a function of the sandbox names it uses (only those are made for it),
/// and those names as a JavaScript array.
#[derive(Clone)]
struct Compiled {
    function: JsValue,
    names: JsValue,
}

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
        with_context(|context| Ok(compile(context, &script.code).map(|_| ())))
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
    let names = context.eval(Source::from_bytes("__skopos.names.join(',')")).map_err(|e| e.to_string())?;
    let names = names.to_string(&mut context).map_err(|e| e.to_string())?.to_std_string_escaped();
    NAMES.with(|cell| *cell.borrow_mut() = names.split(',').map(str::to_string).collect());
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
    let cached = FUNCTIONS.with(|functions| functions.borrow().get(code).cloned());
    let compiled = match cached {
        Some(compiled) => compiled,
        None => match compile(context, code) {
            Ok(compiled) => {
                FUNCTIONS.with(|functions| {
                    let mut functions = functions.borrow_mut();
                    if functions.len() >= COMPILED {
                        functions.clear();
                    }
                    functions.insert(code.to_string(), compiled.clone());
                });
                compiled
            }
            Err(failed) => return Some(failed),
        },
    };
    let invoke = method(context, sandbox, "invoke").ok()?;
    let outcome = invoke.call(&JsValue::from(sandbox.clone()), &[compiled.function, compiled.names], context);
    let threw = match outcome {
        Ok(value) if value.is_undefined() => return None,
        Ok(value) => value.to_string(context).map(|s| s.to_std_string_escaped()).unwrap_or_default(),
        // Not catchable by the script: a limit was reached.
        Err(error) => error.to_string(),
    };
    let _ = context.run_jobs();
    Some(located(&threw))
}

/// The script as a function of the sandbox names it mentions, compiled and not called; its
/// syntax error and line otherwise. The wrapper sits on the script's first line, so its lines
/// keep their numbers.
fn compile(context: &mut Context, code: &str) -> Result<Compiled, (String, Option<u32>)> {
    let used: Vec<String> =
        NAMES.with(|names| names.borrow().iter().filter(|name| mentions(code, name)).cloned().collect());
    let wrapped = format!("(function ({}) {{{code}\n}})", used.join(", "));
    let function = context.eval(Source::from_bytes(&wrapped)).map_err(|error| located(&error.to_string()))?;
    let names = used.iter().map(|name| JsValue::from(js_string!(name.as_str())));
    let names = boa_engine::object::builtins::JsArray::from_iter(names, context);
    Ok(Compiled { function, names: names.into() })
}

/// Whether `code` has `name` as a whole word (counting too many is harmless: the value is
/// made for a script that does not need it).
fn mentions(code: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().next_back().is_none_or(|c| !word(c));
        let after = code[at + name.len()..].chars().next().is_none_or(|c| !word(c));
        before && after
    })
}

/// The error's first line (Boa appends a backtrace of function starts, not of the failing
/// line), and the line a syntax error names (`... at line N, col M`).
fn located(message: &str) -> (String, Option<u32>) {
    let first = message.lines().next().unwrap_or_default().trim_end().to_string();
    let line =
        first.rsplit_once("line ").and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok());
    (first, line)
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
