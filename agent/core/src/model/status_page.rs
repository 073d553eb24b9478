//! Status page files: a file with a top-level `status_page` (`shared/spec/operations.md`,
//! "Status pages"), and the public parts of monitors that go with them (`slo`, `badge`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A public page showing the state, daily uptime bars, incidents and scheduled maintenance of
/// the monitors it selects, and nothing from behind them.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusPage {
    /// The page's title; unique within an agent.
    pub name: String,
    pub status_page: StatusPageSpec,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusPageSpec {
    /// Served without sign-in at `/status/{slug}`: lowercase letters, digits and `-`.
    pub slug: String,
    /// Host names that also get the page at `/` (a CNAME such as `status.acme.com`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// A line under the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Sections of the page, in order; each shows the monitors it selects.
    pub groups: Vec<StatusGroup>,
    /// How many daily bars each monitor shows (1–365, default 90).
    #[serde(default = "ninety", skip_serializing_if = "is_ninety")]
    pub uptime_days: u32,
    /// Show each monitor's mean response time over the last 24 hours.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub show_latency: bool,
}

/// A section of a status page: monitors by name, and those carrying any of `tags`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusGroup {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monitors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

fn ninety() -> u32 {
    90
}

fn is_ninety(days: &u32) -> bool {
    *days == 90
}

impl StatusPageSpec {
    /// The groups' monitors, each once, in page order: named ones first in each group, then
    /// those its tags select, by name.
    pub fn select<'a>(&self, monitors: &'a [(String, Vec<String>)]) -> Vec<(usize, &'a str)> {
        let mut shown: Vec<(usize, &str)> = Vec::new();
        for (group, spec) in self.groups.iter().enumerate() {
            let named = spec.monitors.iter().filter_map(|name| monitors.iter().find(|(m, _)| m == name));
            let mut tagged: Vec<&(String, Vec<String>)> =
                monitors.iter().filter(|(_, tags)| spec.tags.iter().any(|t| tags.contains(t))).collect();
            tagged.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, _) in named.chain(tagged) {
                if !shown.iter().any(|(_, shown)| *shown == name) {
                    shown.push((group, name));
                }
            }
        }
        shown
    }
}

/// An availability objective: `slo: 99.9` (percent over 30 days) or
/// `slo: { target: 99.9, window: 7d }`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Slo {
    Target(f64),
    Full {
        /// Percent of runs that pass (degraded counts as up), e.g. 99.9.
        target: f64,
        /// The rolling window it is measured over (default 30d), such as `7d`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<String>,
    },
}

impl Slo {
    pub fn target(&self) -> f64 {
        match self {
            Slo::Target(target) | Slo::Full { target, .. } => *target,
        }
    }

    pub fn window(&self) -> &str {
        match self {
            Slo::Full { window: Some(window), .. } => window,
            _ => "30d",
        }
    }
}

/// Who may fetch a monitor's badges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BadgeAccess {
    /// Only with a token, unless the monitor is on a status page.
    #[default]
    Private,
    /// Anyone.
    Public,
}

impl BadgeAccess {
    pub fn is_private(&self) -> bool {
        *self == BadgeAccess::Private
    }
}
