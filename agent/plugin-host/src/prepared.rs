//! Prepared assertion checks (contract 0.4.0, interface `preparing`): an assertion plugin
//! makes its expected value ready once (`json-schema` compiles the schema) in an instance the
//! host then keeps, and every response judged against that value is a `check` on the kept
//! instance rather than a fresh instance preparing it again.
//!
//! Kept instances are bounded ([`MAX_KEPT`] in all, [`MAX_USES`] checks each). A call that
//! traps, times out or runs out of memory drops its instance; the next call prepares afresh.

use std::collections::HashMap;
use std::sync::Mutex;

use wasmtime::Store;
use wasmtime::component::ResourceAny;

use super::contract::latest;
use super::sandbox::{Grants, Sandbox, TICK};
use super::{Limits, call_error};

use latest::assertion::skopos::plugin::types as wit;

/// Instances kept alive across checks, at most, over every plugin and expected value (each
/// holds one of the pooling allocator's slots).
pub const MAX_KEPT: usize = 64;

/// Checks an instance serves before it is replaced by a fresh one.
pub const MAX_USES: u32 = 10_000;

/// An instance holding a prepared expected value.
struct Kept {
    store: Store<Sandbox>,
    instance: latest::assertion::Assertion,
    prepared: ResourceAny,
    uses: u32,
}

/// Idle kept instances by (plugin, expected value as JSON text).
#[derive(Default)]
pub struct Prepared {
    idle: Mutex<HashMap<(String, String), Vec<Kept>>>,
}

impl Prepared {
    /// Judges `response` against `expected` with the plugin `name`, on a kept instance that
    /// prepared `expected` when there is one idle, else on a new one that prepares it first.
    pub async fn check(
        &self,
        name: &str,
        pre: &latest::assertion::AssertionPre<Sandbox>,
        expected: &str,
        response: &wit::Response,
        limits: Limits,
    ) -> Result<wit::Verdict, String> {
        let key = (name.to_string(), expected.to_string());
        let idle = self.lock().get_mut(&key).and_then(Vec::pop);
        let mut kept = match idle {
            Some(kept) => kept,
            None => prepare(pre, expected, limits).await?,
        };
        kept.store.set_epoch_deadline(ticks(limits));
        let checker = kept.instance.skopos_plugin_preparing().prepared();
        let checked = checker.call_check(&mut kept.store, kept.prepared, response).await;
        let verdict = checked.map_err(|trap| call_error(trap, limits.deadline))?;
        kept.uses += 1;
        self.keep(key, kept);
        verdict
    }

    /// Forgets the instances of plugin `name` (it was replaced).
    pub fn forget(&self, name: &str) {
        self.lock().retain(|(plugin, _), _| plugin != name);
    }

    fn keep(&self, key: (String, String), kept: Kept) {
        if kept.uses >= MAX_USES {
            return;
        }
        let mut idle = self.lock();
        if idle.values().map(Vec::len).sum::<usize>() < MAX_KEPT {
            idle.entry(key).or_default().push(kept);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Vec<Kept>>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A new instance that has prepared `expected`.
async fn prepare(
    pre: &latest::assertion::AssertionPre<Sandbox>,
    expected: &str,
    limits: Limits,
) -> Result<Kept, String> {
    let mut store = Sandbox::store(pre.engine(), Grants::default(), limits.deadline, limits.memory_bytes);
    let made = async {
        let instance = pre.instantiate_async(&mut store).await?;
        let prepared = instance.skopos_plugin_preparing().call_prepare(&mut store, expected).await?;
        Ok::<_, wasmtime::Error>((instance, prepared))
    };
    let (instance, prepared) = made.await.map_err(|trap| call_error(trap, limits.deadline))?;
    Ok(Kept { store, instance, prepared: prepared?, uses: 0 })
}

fn ticks(limits: Limits) -> u64 {
    (limits.deadline.as_millis() / TICK.as_millis()).max(1) as u64
}
