//! Monitor files: collections run on a schedule (or heartbeats pinged from outside), with
//! alert rules, tags, dependencies and where alerts go (`shared/spec/operations.md`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Runs collections on a schedule, or waits for pings (`heartbeat`), and notifies when it
/// starts failing, degrades and recovers.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitor {
    /// Unique within an agent.
    pub name: String,
    /// The name status pages, badges and reports show (default: `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Labels that maintenance windows, silences and status pages select monitors by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// When to run the collections; a heartbeat monitor has none.
    #[serde(default, skip_serializing_if = "ScheduleSpec::is_empty")]
    pub schedule: ScheduleSpec,
    /// Collection names, run in parallel when the schedule fires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<String>,
    /// A push monitor: the job pings its URL, and no ping within `every` (or after the
    /// `cron` slot) plus `grace` is a failed run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<HeartbeatSpec>,
    /// Consecutive failed runs before notifying (default 1).
    #[serde(default = "one")]
    pub alert_after: u32,
    /// Consecutive passing runs before "recovered" (default 1).
    #[serde(default = "one")]
    pub recover_after: u32,
    /// Repeat the alert while still failing, e.g. `1h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_every: Option<String>,
    /// With agents in several regions (followers of one primary): how many regions must be
    /// failing, each `alert_after` times in a row, before notifying (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub alert_regions: u32,
    /// Other monitors this one needs: while one of them is down, this one still runs and
    /// records, but holds its alerts until the dependency recovers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<Notifier>,
    /// An availability objective, with an error budget in the API, console and reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<super::Slo>,
    /// `public`: anyone may fetch its badges (they are public anyway when it is on a status page).
    #[serde(default, skip_serializing_if = "super::BadgeAccess::is_private")]
    pub badge: super::BadgeAccess,
    /// A paused monitor is kept but not run, and sends nothing, until it is resumed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
}

fn one() -> u32 {
    1
}

fn is_one(value: &u32) -> bool {
    *value == 1
}

impl Monitor {
    pub fn is_heartbeat(&self) -> bool {
        self.heartbeat.is_some()
    }

    /// The name shown in public: `display_name`, or `name`.
    pub fn shown_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.name)
    }
}

/// `{ every: 1m }` or `{ cron: "*/5 * * * *", tz: Europe/Paris }`, optionally with `jitter`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// A period such as `30s`, `1m`, `1h 30m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    /// 5 fields (minute precision), or 6–7 with seconds first (and years last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// IANA time zone for `cron` (default UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    /// Spread fire times over up to this long after each slot, the same offset every time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<String>,
}

impl ScheduleSpec {
    pub fn is_empty(&self) -> bool {
        self.every.is_none() && self.cron.is_none() && self.tz.is_none() && self.jitter.is_none()
    }
}

/// How often a heartbeat monitor expects its pings: `{ every: 1d, grace: 1h }` or
/// `{ cron: "0 3 * * *", tz: UTC, grace: 30m }`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatSpec {
    /// The longest expected gap between two pings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    /// When the job runs; a ping is due at each slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// IANA time zone for `cron` (default UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    /// How late a ping may be before the run counts as failed (default 5m); also how long a
    /// job may take between its `/start` and its finishing ping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<String>,
}

impl HeartbeatSpec {
    /// The cadence, as a schedule.
    pub fn schedule(&self) -> ScheduleSpec {
        ScheduleSpec { every: self.every.clone(), cron: self.cron.clone(), tz: self.tz.clone(), jitter: None }
    }
}

/// A notifier plugin and its configuration (`@{{env.X}}` allowed in string values).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notifier {
    pub plugin: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub config: Map<String, Value>,
    /// Which transitions this entry hears (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on: Vec<TransitionKind>,
    /// Escalation: told only when the monitor is still failing this long (`15m`) after the
    /// first alert; then told of its recovery too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// The entry's own words for its alerts, in place of the notifier's default title and
    /// text (docs/operations.md, "Message templates").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<MessageTemplate>,
}

/// A notify entry's `template`: minijinja text rendered with the alert's fields
/// (`{{ monitor }}`, `{{ transition }}`, `{{ failure.step }}`, ...). A missing part keeps
/// the default.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageTemplate {
    /// The headline: `{{ state }}: {{ monitor }} / {{ collection }}` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The message: the alert's one-line summary by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The changes an alert announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// Failed `alert_after` runs in a row.
    Failing,
    /// Only `warn` assertions failing, `alert_after` runs in a row.
    Degraded,
    /// Still failing, `remind_every` after the last alert.
    Reminder,
    /// Passing again, `recover_after` runs in a row.
    Recovered,
}

impl TransitionKind {
    pub const ALL: [TransitionKind; 4] =
        [TransitionKind::Failing, TransitionKind::Degraded, TransitionKind::Reminder, TransitionKind::Recovered];

    pub fn as_str(self) -> &'static str {
        match self {
            TransitionKind::Failing => "failing",
            TransitionKind::Degraded => "degraded",
            TransitionKind::Reminder => "reminder",
            TransitionKind::Recovered => "recovered",
        }
    }
}
