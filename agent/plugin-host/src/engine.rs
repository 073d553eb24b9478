//! The wasmtime engine the plugins run in: the compilation settings of
//! [`crate::compile_settings`], the instance allocator and the epoch ticker.

use wasmtime::{Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::compile_settings::settings;
use crate::sandbox::TICK;
use crate::{Limits, POOLED_INSTANCES};

/// The engine every plugin runs in, with its epoch ticker.
pub fn engine(limits: &Limits) -> wasmtime::Result<Engine> {
    let mut config = settings();
    let pool = |reset_in_place: bool| {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(POOLED_INSTANCES)
            .total_core_instances(POOLED_INSTANCES * 4)
            .total_memories(POOLED_INSTANCES * 2)
            .total_tables(POOLED_INSTANCES * 4)
            .total_stacks(POOLED_INSTANCES)
            .max_memory_size(limits.memory_bytes);
        if reset_in_place {
            // Reset only the pages a call dirtied (Linux 6.7+ `PAGEMAP_SCAN`), in place, rather
            // than handing them back to the kernel and faulting them in on the next call
            // (per call: 13 µs instead of 28 here).
            pool.pagemap_scan(Enabled::Yes)
                .linear_memory_keep_resident(4 << 20)
                .table_keep_resident(64 << 10)
                .async_stack_keep_resident(256 << 10);
        }
        InstanceAllocationStrategy::Pooling(pool)
    };
    // The best the machine allows: pooled slots reset in place, pooled slots, or (where
    // address space is short, a tight `ulimit -v`) an allocation per call.
    let mut engine = Err(wasmtime::format_err!("no allocation strategy"));
    for strategy in [pool(true), pool(false), InstanceAllocationStrategy::OnDemand] {
        config.allocation_strategy(strategy);
        engine = Engine::new(&config);
        if engine.is_ok() {
            break;
        }
    }
    let engine = engine?;
    let ticker = engine.weak();
    std::thread::Builder::new().name("plugin-epochs".into()).spawn(move || {
        while let Some(engine) = ticker.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(TICK);
        }
    })?;
    Ok(engine)
}
