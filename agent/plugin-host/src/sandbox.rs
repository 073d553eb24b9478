//! What one plugin call's store holds, and the capabilities it may use: an empty WASI (no
//! files, no environment, no sockets; clocks and randomness only), WASI HTTP to the granted
//! hosts only, email through the agent's SMTP server when granted, and a memory cap.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use super::mailer::Mailer;
use super::manifest::host_allowed;

/// The epoch advances this often; deadlines are whole ticks.
pub const TICK: Duration = Duration::from_millis(10);

/// What a call may do beyond computing.
#[derive(Default)]
pub struct Grants {
    /// Hosts HTTP requests may go to; `None` refuses every request.
    pub hosts: Option<Vec<String>>,
    /// Set when the manifest grants `email`.
    pub mailer: Option<Arc<Mailer>>,
    /// Whether the manifest grants `email` (the agent may still have no SMTP server).
    pub email: bool,
}

pub struct Sandbox {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    limits: Limiter,
    pub grants: Grants,
}

/// The store's limits, remembering whether a memory growth was refused: a guest that then
/// aborts (as most do when an allocation fails) ran out of memory, and is said to have.
struct Limiter {
    limits: StoreLimits,
    memory_refused: bool,
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        self.memory_refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

impl Sandbox {
    /// Whether the guest was refused memory beyond its cap (then a crash is running out of it).
    pub fn memory_refused(&self) -> bool {
        self.limits.memory_refused
    }

    /// The `email` capability, as every contract version offers it: refused unless the
    /// manifest grants it, sent through the agent's [`Mailer`].
    pub async fn send_email(
        &mut self,
        to: &[String],
        subject: String,
        text: String,
        html: Option<String>,
    ) -> Result<(), String> {
        if !self.grants.email {
            return Err("this plugin's manifest does not grant the `email` capability".into());
        }
        let Some(mailer) = self.grants.mailer.clone() else {
            return Err("the agent has no SMTP server configured (skopos serve --smtp-url)".into());
        };
        mailer.send(to, subject, text, html).await
    }

    /// A store for one call: `deadline` of wall time for the guest's code, `memory_bytes` at most.
    pub fn store(engine: &Engine, grants: Grants, deadline: Duration, memory_bytes: usize) -> Store<Sandbox> {
        Sandbox::store_with(engine, WasiCtxBuilder::new().build(), grants, deadline, memory_bytes)
    }

    /// [`Sandbox::store`] with a WASI context of its own: a probe's, with the sockets it is granted.
    pub fn store_with(
        engine: &Engine,
        wasi: WasiCtx,
        grants: Grants,
        deadline: Duration,
        memory_bytes: usize,
    ) -> Store<Sandbox> {
        let sandbox = Sandbox {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            limits: Limiter {
                limits: StoreLimitsBuilder::new().memory_size(memory_bytes).instances(8).build(),
                memory_refused: false,
            },
            grants,
        };
        let mut store = Store::new(engine, sandbox);
        store.limiter(|sandbox| &mut sandbox.limits);
        store.set_epoch_deadline((deadline.as_millis() / TICK.as_millis()).max(1) as u64);
        store
    }
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for Sandbox {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.grants }
    }
}

type Sent = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for Grants {
    /// Checked before any connection: a host not granted is refused with `HTTP-request-denied`.
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _response_done: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Sent {
        let host = request.uri().host().unwrap_or_default().to_string();
        let allowed = self.hosts.as_deref().is_some_and(|hosts| host_allowed(hosts, &host));
        Box::new(async move {
            if !allowed {
                return Err(wasmtime_wasi_http::Error::HttpRequestDenied);
            }
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            let io: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send> = Box::new(io);
            Ok((response.map(http_body_util::BodyExt::boxed_unsync), io))
        })
    }
}
