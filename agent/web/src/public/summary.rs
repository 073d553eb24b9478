//! `summary.json` in the shape of Atlassian Statuspage's public API (v2), which status
//! aggregators read: the page, components (groups and their monitors), the overall status
//! indicator, unresolved incidents and scheduled maintenances.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::html::status_words;
use skopos_service::status_page::{ComponentState, PageView};
use skopos_service::store::{Impact, Incident, IncidentStatus};

fn impact_name(impact: Impact) -> &'static str {
    match impact {
        Impact::None => "none",
        Impact::Minor => "minor",
        Impact::Major => "major",
        Impact::Critical => "critical",
    }
}

fn state_name(state: ComponentState) -> &'static str {
    match state {
        ComponentState::Operational => "operational",
        ComponentState::UnderMaintenance => "under_maintenance",
        ComponentState::DegradedPerformance => "degraded_performance",
        ComponentState::MajorOutage => "major_outage",
    }
}

fn status_name(status: IncidentStatus) -> String {
    status_words(status).to_lowercase()
}

pub fn summary(view: &PageView, url: &str) -> Value {
    let page_id = &view.id;
    let at = |time: DateTime<Utc>| time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut components = Vec::new();
    for (position, group) in view.groups.iter().enumerate() {
        let group_id = format!("{page_id}-g{position}");
        let children: Vec<String> = group.monitors.iter().map(|m| m.id.clone()).collect();
        let worst = group.monitors.iter().map(|m| m.state).max().unwrap_or(ComponentState::Operational);
        components.push(json!({
            "id": group_id, "name": group.name, "status": state_name(worst),
            "created_at": at(view.updated_at), "updated_at": at(view.updated_at), "position": position + 1,
            "description": null, "showcase": false, "start_date": null, "group_id": null, "page_id": page_id,
            "group": true, "only_show_if_degraded": false, "components": children,
        }));
        for (index, monitor) in group.monitors.iter().enumerate() {
            components.push(json!({
                "id": monitor.id, "name": monitor.name, "status": state_name(monitor.state),
                "created_at": at(view.updated_at), "updated_at": at(view.updated_at), "position": index + 1,
                "description": null, "showcase": true, "start_date": null, "group_id": group_id, "page_id": page_id,
                "group": false, "only_show_if_degraded": false,
            }));
        }
    }
    let component_of = |name: &str| {
        view.groups
            .iter()
            .flat_map(|g| &g.monitors)
            .find(|m| Some(&m.name) == view.names.get(name))
            .map(|m| json!({"id": m.id, "name": m.name, "status": state_name(m.state)}))
    };
    let incident = |incident: &Incident| {
        let updates: Vec<Value> = incident
            .updates
            .iter()
            .enumerate()
            .rev()
            .map(|(index, update)| {
                json!({
                    "id": format!("{}-{index}", incident.id), "status": status_name(update.status), "body": update.message,
                    "incident_id": incident.id, "created_at": at(update.at), "updated_at": at(update.at),
                    "display_at": at(update.at), "affected_components": null, "deliver_notifications": true,
                })
            })
            .collect();
        let monitoring = incident.updates.iter().find(|u| u.status == IncidentStatus::Monitoring).map(|u| at(u.at));
        json!({
            "id": incident.id, "name": incident.title, "status": status_name(incident.status),
            "created_at": at(incident.started_at), "updated_at": at(incident.updated_at),
            "monitoring_at": monitoring, "resolved_at": incident.resolved_at.map(at),
            "impact": impact_name(incident.impact), "shortlink": url, "started_at": at(incident.started_at),
            "page_id": page_id, "incident_updates": updates,
            "components": incident.monitors.iter().filter_map(|m| component_of(m)).collect::<Vec<_>>(),
        })
    };
    let maintenances: Vec<Value> = view
        .maintenance
        .iter()
        .map(|window| {
            json!({
                "id": window.id, "name": window.name,
                "status": if window.active { "in_progress" } else { "scheduled" },
                "created_at": at(window.start), "updated_at": at(window.start), "monitoring_at": null,
                "resolved_at": null, "impact": "maintenance", "shortlink": url, "started_at": at(window.start),
                "page_id": page_id, "incident_updates": [], "components": window.monitors.iter()
                    .filter_map(|shown| view.groups.iter().flat_map(|g| &g.monitors).find(|m| &m.name == shown))
                    .map(|m| json!({"id": m.id, "name": m.name, "status": state_name(m.state)}))
                    .collect::<Vec<_>>(),
                "scheduled_for": at(window.start), "scheduled_until": at(window.end),
            })
        })
        .collect();
    let indicator = match (view.indicator, view.under_maintenance) {
        (Impact::None, true) => "maintenance",
        (impact, _) => impact_name(impact),
    };
    json!({
        "page": {"id": page_id, "name": view.title, "url": url, "time_zone": "Etc/UTC", "updated_at": at(view.updated_at)},
        "components": components,
        "incidents": view.open_incidents.iter().map(incident).collect::<Vec<_>>(),
        "scheduled_maintenances": maintenances,
        "status": {"indicator": indicator, "description": view.banner()},
    })
}
