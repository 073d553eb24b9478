//! A status page as data, built from the store: each monitor's current state and daily bars,
//! the incidents to show and the maintenance to come. Only what is fit for the public goes in
//! (monitor display names, states, counts, people's incident updates); never a URL, request,
//! response, step name or error text. The web layer renders it as HTML, Atom and JSON, and
//! keeps the built view for a short while ([`PageViews`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::Agent;
use crate::store::{DayBar, Impact, Incident, Store, StoreError, Stored, uptime_over};
use skopos_core::alert::Health;
use skopos_core::model::{Monitor, StatusPage};

/// A component's state, as Atlassian Statuspage names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    MajorOutage,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonitorView {
    /// The monitor's id: stable, and says nothing.
    pub id: String,
    pub name: String,
    pub state: ComponentState,
    pub bars: Vec<DayBar>,
    /// Over the days shown.
    pub uptime: Option<f64>,
    /// Mean response time over the last 24 hours, when the page shows latency.
    pub latency_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub name: String,
    pub monitors: Vec<MonitorView>,
}

/// An occurrence of a maintenance window covering monitors on the page.
#[derive(Debug, Clone, Serialize)]
pub struct MaintenanceView {
    pub id: String,
    pub name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub active: bool,
    /// The monitors it covers, by display name.
    pub monitors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageView {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub built_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub show_latency: bool,
    pub uptime_days: u32,
    pub groups: Vec<GroupView>,
    /// The worst of the page: what the banner says.
    pub indicator: Impact,
    pub under_maintenance: bool,
    /// Open ones, newest first.
    pub open_incidents: Vec<Incident>,
    /// Resolved within the last `uptime_days`, newest first (at most 50).
    pub past_incidents: Vec<Incident>,
    pub maintenance: Vec<MaintenanceView>,
    /// Display names by monitor name, for incidents.
    pub names: HashMap<String, String>,
}

impl PageView {
    pub fn banner(&self) -> &'static str {
        match (self.indicator, self.under_maintenance) {
            (Impact::Critical | Impact::Major, _) => "Major outage",
            (Impact::Minor, _) => "Partially degraded service",
            (_, true) => "Under maintenance",
            _ => "All systems operational",
        }
    }
}

/// The monitors a page shows, with their collections' ids.
fn selected<'a>(page: &StatusPage, monitors: &'a [Stored<Monitor>]) -> Vec<(usize, &'a Stored<Monitor>)> {
    let names: Vec<(String, Vec<String>)> =
        monitors.iter().map(|m| (m.spec.name.clone(), m.spec.tags.clone())).collect();
    page.status_page
        .select(&names)
        .into_iter()
        .filter_map(|(group, name)| monitors.iter().find(|m| m.spec.name == name).map(|m| (group, m)))
        .collect()
}

/// The ids of the collections whose runs are a monitor's (for a heartbeat, its own id).
pub fn collection_ids(store: &Store, monitor: &Stored<Monitor>) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::new();
    if monitor.spec.is_heartbeat() {
        ids.push(monitor.id.clone());
    }
    for name in &monitor.spec.collections {
        if let Some(collection) = store.collections.get(name)? {
            ids.push(collection.id);
        }
    }
    Ok(ids)
}

/// The announced health of a monitor: the worst of its collections'.
pub fn health_of(store: &Store, monitor_id: &str) -> Result<Health, StoreError> {
    Ok(store.alert_states(monitor_id)?.iter().map(|(_, state)| state.overall.health).max().unwrap_or_default())
}

/// Whether a monitor's badges may be fetched without a token: `badge: public`, or it is on a page.
pub fn is_public(store: &Store, monitor: &Stored<Monitor>) -> Result<bool, StoreError> {
    if !monitor.spec.badge.is_private() {
        return Ok(true);
    }
    let all = [monitor.clone()];
    Ok(store.status_pages.list()?.iter().any(|page| !selected(&page.spec, &all).is_empty()))
}

pub fn build(agent: &Agent, page: &Stored<StatusPage>, now: DateTime<Utc>) -> Result<PageView, StoreError> {
    let store = &agent.store;
    let spec = &page.spec.status_page;
    let monitors = store.monitors.list()?;
    let shown = selected(&page.spec, &monitors);
    let windows = agent.operations.windows();
    let mut groups: Vec<GroupView> =
        spec.groups.iter().map(|g| GroupView { name: g.name.clone(), monitors: Vec::new() }).collect();
    let mut names = HashMap::new();
    let mut under_maintenance = false;
    let mut updated_at = page.updated_at;
    for (group, monitor) in &shown {
        let ids = collection_ids(store, monitor)?;
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let bars = store.day_bars(&ids, now, spec.uptime_days)?;
        let in_window =
            windows.iter().any(|w| w.covers(&monitor.spec.name, &monitor.spec.tags) && w.active_at(now).is_some());
        let state = match health_of(store, &monitor.id)? {
            Health::Down => ComponentState::MajorOutage,
            Health::Degraded => ComponentState::DegradedPerformance,
            Health::Up if in_window => ComponentState::UnderMaintenance,
            Health::Up => ComponentState::Operational,
        };
        under_maintenance |= in_window;
        let latency_ms = if spec.show_latency { store.recent(&ids, now, 24)?.mean_ms } else { None };
        if let Some(last) = store.last_run(&monitor.id)? {
            updated_at = updated_at.max(last);
        }
        names.insert(monitor.spec.name.clone(), monitor.spec.shown_name().to_string());
        groups[*group].monitors.push(MonitorView {
            id: monitor.id.clone(),
            name: monitor.spec.shown_name().to_string(),
            state,
            uptime: uptime_over(&bars),
            bars,
            latency_ms,
        });
    }
    let on_page: Vec<&str> = shown.iter().map(|(_, m)| m.spec.name.as_str()).collect();
    let since = now - TimeDelta::days(i64::from(spec.uptime_days));
    let incidents =
        store.incidents(usize::MAX, |i| i.shows_on(&spec.slug, &on_page) && (i.is_open() || i.updated_at >= since))?;
    let (open_incidents, mut past_incidents): (Vec<Incident>, Vec<Incident>) =
        incidents.into_iter().partition(Incident::is_open);
    past_incidents.truncate(50);
    let indicator = open_incidents.iter().map(|i| i.impact).max().unwrap_or(Impact::None);
    let worst = groups.iter().flat_map(|g| &g.monitors).map(|m| m.state).max();
    let indicator = indicator.max(match worst {
        Some(ComponentState::MajorOutage) => Impact::Major,
        Some(ComponentState::DegradedPerformance) => Impact::Minor,
        _ => Impact::None,
    });
    let mut maintenance = Vec::new();
    for window in &windows {
        let covered: Vec<String> = shown
            .iter()
            .filter(|(_, m)| window.covers(&m.spec.name, &m.spec.tags))
            .map(|(_, m)| m.spec.shown_name().to_string())
            .collect();
        if covered.is_empty() {
            continue;
        }
        let active = window.active_at(now).into_iter().map(|o| (o, true));
        let coming = window.upcoming(now, 3).into_iter().filter(|(start, _)| *start < now + TimeDelta::days(14));
        for ((start, end), active) in active.chain(coming.map(|o| (o, false))) {
            let id = format!("{}-{}", page_id_of(&window.name), start.timestamp());
            maintenance.push(MaintenanceView {
                id,
                name: window.name.clone(),
                start,
                end,
                active,
                monitors: covered.clone(),
            });
        }
    }
    maintenance.sort_by_key(|m| m.start);
    if let Some(latest) = open_incidents.iter().chain(&past_incidents).map(|i| i.updated_at).max() {
        updated_at = updated_at.max(latest);
    }
    Ok(PageView {
        id: page.id.clone(),
        slug: spec.slug.clone(),
        title: page.spec.name.clone(),
        description: spec.description.clone(),
        built_at: now,
        updated_at,
        show_latency: spec.show_latency,
        uptime_days: spec.uptime_days,
        groups,
        indicator,
        under_maintenance,
        open_incidents,
        past_incidents,
        maintenance,
        names,
    })
}

/// A short stable id for a name (maintenance ids in `summary.json`).
fn page_id_of(name: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(name.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Built views, by slug, kept until they are [`PageViews::FRESH_FOR`] old or something a page
/// shows changed (an incident, a page, a monitor or window definition: [`Store::public_generation`]).
#[derive(Default)]
pub struct PageViews {
    built: Mutex<HashMap<String, (u64, Arc<PageView>)>>,
    /// One build at a time: requests arriving meanwhile wait for it rather than build again.
    building: Mutex<()>,
}

impl PageViews {
    pub const FRESH_FOR: TimeDelta = TimeDelta::seconds(30);

    fn fresh(&self, slug: &str, generation: u64, now: DateTime<Utc>) -> Option<Arc<PageView>> {
        let built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        built
            .get(slug)
            .filter(|(made_in, view)| *made_in == generation && now - view.built_at < PageViews::FRESH_FOR)
            .map(|(_, view)| view.clone())
    }

    /// The view of the page with this slug, built anew when stale; none for no such page.
    pub fn get(&self, agent: &Agent, slug: &str) -> Result<Option<Arc<PageView>>, StoreError> {
        let generation = agent.store.public_generation();
        if let Some(view) = self.fresh(slug, generation, Utc::now()) {
            return Ok(Some(view));
        }
        let _building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(view) = self.fresh(slug, generation, Utc::now()) {
            return Ok(Some(view));
        }
        let Some(page) = agent.store.status_pages.list()?.into_iter().find(|p| p.spec.status_page.slug == slug) else {
            return Ok(None);
        };
        let view = Arc::new(build(agent, &page, Utc::now())?);
        self.built.lock().unwrap_or_else(|e| e.into_inner()).insert(slug.to_string(), (generation, view.clone()));
        Ok(Some(view))
    }

    /// The slug of the page served at `/` for this host name, if any.
    pub fn slug_for_host(store: &Store, host: &str) -> Result<Option<String>, StoreError> {
        let host =
            host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h);
        Ok(store
            .status_pages
            .list()?
            .into_iter()
            .find(|p| p.spec.status_page.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)))
            .map(|p| p.spec.status_page.slug))
    }
}
