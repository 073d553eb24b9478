//! Maintenance window files: a file with a top-level `window`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A time when the selected monitors are muted (they run and record, marked
/// `in_maintenance`, and send nothing) or paused (they do not run).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// Unique within an agent.
    pub name: String,
    pub window: WindowTime,
    /// Monitors by name; with `tags`, a monitor is in the window when either selects it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monitors: Vec<String>,
    /// Monitors carrying any of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "WindowMode::is_mute")]
    pub mode: WindowMode,
}

/// Recurring, `{ cron: "0 2 * * SUN", tz: Europe/Berlin, duration: 2h }`, or once,
/// `{ from: "2026-12-10T01:00:00Z", to: "2026-12-10T03:00:00Z" }`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowTime {
    /// When each occurrence starts (5 fields, or 6–7 with seconds first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// IANA time zone for `cron` (default UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    /// How long each occurrence lasts, e.g. `2h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// A one-off window's start (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// A one-off window's end (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowMode {
    /// Runs go on and are recorded, marked `in_maintenance`; no alerts; uptime leaves them out.
    #[default]
    Mute,
    /// No runs at all during the window.
    Pause,
}

/// Whether a window or a silence naming `monitors` and `tags` covers the monitor `monitor`
/// carrying `monitor_tags`: by its name, or by any one of its tags.
pub fn selects(monitors: &[String], tags: &[String], monitor: &str, monitor_tags: &[String]) -> bool {
    monitors.iter().any(|name| name == monitor) || tags.iter().any(|tag| monitor_tags.contains(tag))
}

impl WindowMode {
    pub fn is_mute(&self) -> bool {
        *self == WindowMode::Mute
    }
}
