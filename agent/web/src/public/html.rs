//! A status page as HTML: server-rendered, no JavaScript, readable in a text browser, light or
//! dark after the reader's system setting. Daily bars are an SVG per monitor whose text
//! alternative sums them up, each bar titled with its day.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use skopos_service::status_page::{ComponentState, MaintenanceView, MonitorView, PageView};
use skopos_service::store::{DayState, Impact, Incident, IncidentStatus};

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = include_str!("status.css");

pub fn state_words(state: ComponentState) -> &'static str {
    match state {
        ComponentState::Operational => "Operational",
        ComponentState::UnderMaintenance => "Under maintenance",
        ComponentState::DegradedPerformance => "Degraded performance",
        ComponentState::MajorOutage => "Major outage",
    }
}

fn state_class(state: ComponentState) -> &'static str {
    match state {
        ComponentState::Operational => "up",
        ComponentState::UnderMaintenance => "maintenance",
        ComponentState::DegradedPerformance => "degraded",
        ComponentState::MajorOutage => "down",
    }
}

pub fn status_words(status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::Investigating => "Investigating",
        IncidentStatus::Identified => "Identified",
        IncidentStatus::Monitoring => "Monitoring",
        IncidentStatus::Resolved => "Resolved",
    }
}

fn impact_words(impact: Impact) -> &'static str {
    match impact {
        Impact::None => "No impact",
        Impact::Minor => "Minor impact",
        Impact::Major => "Major impact",
        Impact::Critical => "Critical impact",
    }
}

fn time(at: DateTime<Utc>) -> String {
    format!("<time datetime=\"{}\">{}</time>", at.to_rfc3339(), at.format("%Y-%m-%d %H:%M UTC"))
}

fn percent(share: Option<f64>) -> String {
    share.map_or("no data".into(), |s| format!("{:.2}%", (s * 100.0 * 100.0).floor() / 100.0))
}

pub fn render(view: &PageView) -> String {
    let mut page = String::with_capacity(4096 + view.groups.iter().map(|g| g.monitors.len()).sum::<usize>() * 6000);
    let title = escape(&view.title);
    let base = format!("/status/{}", view.slug);
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"alternate\" type=\"application/atom+xml\" title=\"{title} incidents\" href=\"{base}/feed.atom\">\
         <style>{STYLE}</style></head><body><header><h1>{title}</h1>"
    );
    if let Some(description) = &view.description {
        let _ = write!(page, "<p>{}</p>", escape(description));
    }
    let banner = match (view.indicator, view.under_maintenance) {
        (Impact::Major | Impact::Critical, _) => "down",
        (Impact::Minor, _) => "degraded",
        (_, true) => "maintenance",
        _ => "up",
    };
    let _ = write!(
        page,
        "</header><main><section class=\"banner {banner}\" aria-labelledby=\"overall\"><h2 id=\"overall\">{}</h2><p>Updated {}</p></section>",
        view.banner(),
        time(view.built_at)
    );
    if !view.open_incidents.is_empty() {
        page.push_str("<section aria-labelledby=\"open\"><h2 id=\"open\">Open incidents</h2>");
        for incident in &view.open_incidents {
            incident_html(&mut page, incident);
        }
        page.push_str("</section>");
    }
    if !view.maintenance.is_empty() {
        page.push_str("<section aria-labelledby=\"maintenance\"><h2 id=\"maintenance\">Scheduled maintenance</h2><ul class=\"maintenance\">");
        for window in &view.maintenance {
            maintenance_html(&mut page, window);
        }
        page.push_str("</ul></section>");
    }
    for (index, group) in view.groups.iter().enumerate() {
        let _ = write!(
            page,
            "<section aria-labelledby=\"group-{index}\"><h2 id=\"group-{index}\">{}</h2><ul class=\"monitors\">",
            escape(&group.name)
        );
        if group.monitors.is_empty() {
            page.push_str("<li>No monitors yet.</li>");
        }
        for monitor in &group.monitors {
            monitor_html(&mut page, monitor, view);
        }
        page.push_str("</ul></section>");
    }
    page.push_str("<section aria-labelledby=\"past\"><h2 id=\"past\">Past incidents</h2>");
    if view.past_incidents.is_empty() {
        let _ = write!(page, "<p>No incidents in the last {} days.</p>", view.uptime_days);
    }
    for incident in &view.past_incidents {
        incident_html(&mut page, incident);
    }
    let _ = writeln!(
        page,
        "</section></main><footer><p><a href=\"{base}/feed.atom\">Incident feed (Atom)</a> · <a href=\"{base}/api/v2/summary.json\">Status as JSON</a> · Times in UTC · Powered by Skopos</p></footer></body></html>"
    );
    page
}

fn monitor_html(page: &mut String, monitor: &MonitorView, view: &PageView) {
    let name = escape(&monitor.name);
    let state = monitor.state;
    let _ = write!(
        page,
        "<li class=\"monitor\"><div class=\"row\"><h3>{name}</h3><span class=\"state {}\">{}</span></div>",
        state_class(state),
        state_words(state)
    );
    let count = |wanted: DayState| monitor.bars.iter().filter(|bar| bar.state == wanted).count();
    let label = format!(
        "{name}, last {} days: {} uptime; {} days passed, {} degraded, {} with failures, {} in maintenance, {} without data",
        monitor.bars.len(),
        percent(monitor.uptime),
        count(DayState::Passed),
        count(DayState::Degraded),
        count(DayState::Failed),
        count(DayState::Maintenance),
        count(DayState::NoData)
    );
    let width = monitor.bars.len() * 5;
    let _ = write!(
        page,
        "<svg class=\"bars\" role=\"img\" aria-label=\"{label}\" viewBox=\"0 0 {width} 34\" preserveAspectRatio=\"none\">"
    );
    for (index, bar) in monitor.bars.iter().enumerate() {
        let (class, words) = match bar.state {
            DayState::Passed => ("p", "passed"),
            DayState::Degraded => ("d", "degraded"),
            DayState::Failed => ("f", "failures"),
            DayState::Maintenance => ("m", "maintenance"),
            DayState::NoData => ("n", "no data"),
        };
        let uptime = bar.uptime.map(|u| format!(", {} up", percent(Some(u)))).unwrap_or_default();
        let _ = write!(
            page,
            "<rect x=\"{}\" width=\"4\" height=\"34\" class=\"{class}\"><title>{}: {words}{uptime}</title></rect>",
            index * 5,
            bar.day
        );
    }
    page.push_str("</svg><p class=\"meta\">");
    let _ = write!(page, "<span>{} days ago</span><span>{} uptime</span>", monitor.bars.len(), percent(monitor.uptime));
    if view.show_latency {
        let latency = monitor.latency_ms.map_or("no data".into(), |ms| format!("{ms:.0} ms"));
        let _ = write!(page, "<span>{latency} mean response, 24 h</span>");
    }
    page.push_str("<span>Today</span></p></li>");
}

fn incident_html(page: &mut String, incident: &Incident) {
    let _ = write!(
        page,
        "<article class=\"incident {}\"><h3>{}</h3><p class=\"impact\">{} · {}</p><ol class=\"updates\" reversed>",
        if incident.is_open() { "open" } else { "resolved" },
        escape(&incident.title),
        impact_words(incident.impact),
        status_words(incident.status)
    );
    for update in incident.updates.iter().rev() {
        let _ = write!(
            page,
            "<li><strong>{}</strong> — {} <span class=\"when\">{}</span></li>",
            status_words(update.status),
            escape(&update.message),
            time(update.at)
        );
    }
    page.push_str("</ol></article>");
}

fn maintenance_html(page: &mut String, window: &MaintenanceView) {
    let monitors: Vec<String> = window.monitors.iter().map(|m| escape(m)).collect();
    let _ = write!(
        page,
        "<li><strong>{}</strong>{}: {} to {} — {}</li>",
        escape(&window.name),
        if window.active { " (in progress)" } else { "" },
        time(window.start),
        time(window.end),
        monitors.join(", ")
    );
}
