//! The agent as a service (`skopos serve`), knowing nothing of HTTP serving: the embedded
//! store ([`store`], sled), the scheduler loop ([`scheduler`]), alert delivery ([`notify`]),
//! maintenance windows and silences ([`operations`]), following a primary from another region ([`region`]), the API token and console sessions
//! ([`token`], [`sessions`]), and [`Agent`], which ties them together behind one type that
//! returns domain errors ([`ServiceError`]) and is built in one place ([`Agent::start`]). Blocking store work (sled's flush, an fsync) runs off the async workers.

pub mod access;
mod agent;
pub mod client;
mod deadlines;
mod error;
pub mod heartbeat;
pub mod incidents;
pub mod notify;
pub mod operations;
pub mod region;
pub mod scheduler;
mod secret;
pub mod sessions;
pub mod status_page;
pub mod store;
pub mod token;

pub use agent::{Agent, AgentParts};
pub use error::ServiceError;
pub use token::Token;
