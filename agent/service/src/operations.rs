//! Maintenance windows and silences, as the scheduler asks of them: is this monitor muted or
//! paused now, and when does that next change. Kept in memory, set from the store whenever
//! windows or silences change.

use std::sync::RwLock;

use chrono::{DateTime, Utc};

use crate::store::Silence;
use skopos_core::model::WindowMode;
use skopos_core::plan::WindowPlan;

#[derive(Default)]
pub struct Operations {
    windows: RwLock<Vec<WindowPlan>>,
    silences: RwLock<Vec<Silence>>,
}

/// What maintenance means for one monitor at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Maintenance {
    /// A `mute` window or a silence: runs go on, marked `in_maintenance`, and nobody is told.
    pub muted: bool,
    /// A `pause` window: no runs.
    pub paused: bool,
}

impl Operations {
    pub fn set_windows(&self, windows: Vec<WindowPlan>) {
        *self.windows.write().unwrap_or_else(|e| e.into_inner()) = windows;
    }

    pub fn set_silences(&self, silences: Vec<Silence>) {
        *self.silences.write().unwrap_or_else(|e| e.into_inner()) = silences;
    }

    pub fn windows(&self) -> Vec<WindowPlan> {
        self.windows.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether the monitor named `monitor`, with `tags`, is muted or paused at `at`.
    pub fn at(&self, monitor: &str, tags: &[String], at: DateTime<Utc>) -> Maintenance {
        let mut maintenance = Maintenance::default();
        for window in self.windows.read().unwrap_or_else(|e| e.into_inner()).iter() {
            if window.covers(monitor, tags) && window.active_at(at).is_some() {
                match window.mode {
                    WindowMode::Mute => maintenance.muted = true,
                    WindowMode::Pause => maintenance.paused = true,
                }
            }
        }
        let silences = self.silences.read().unwrap_or_else(|e| e.into_inner());
        maintenance.muted |= silences.iter().any(|s| s.active_at(at) && s.covers(monitor, tags));
        maintenance
    }

    /// The next instant after `at` when a window or a silence starts or ends.
    pub fn next_change_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let windows = self.windows.read().unwrap_or_else(|e| e.into_inner());
        let silences = self.silences.read().unwrap_or_else(|e| e.into_inner());
        let window_changes = windows.iter().filter_map(|w| w.next_change_after(at));
        let silence_changes = silences.iter().flat_map(|s| [s.starts_at, s.until]).filter(|t| *t > at);
        window_changes.chain(silence_changes).min()
    }
}
