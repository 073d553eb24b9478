//! Checking status page files, and the availability objectives (`slo`) of monitors.

use chrono::TimeDelta;

use crate::document::{Diagnostic, Document, child_index, child_key};
use crate::model::{Slo, StatusPage};
use crate::schedule::parse_duration;

/// A monitor's objective, checked: the share of runs that should be up over `window`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    /// Percent of runs up, as written (99.9).
    pub target: f64,
    pub window: TimeDelta,
}

/// The longest objective window: tallies are kept this long.
pub const MAX_OBJECTIVE_DAYS: i64 = 366;

/// Checks an `slo`; the error names what is wrong and the field it is in (`target` or `window`).
pub fn objective(slo: &Slo) -> Result<Objective, (&'static str, String)> {
    let target = slo.target();
    if !(target > 0.0 && target < 100.0) {
        return Err(("target", format!("an objective is a percentage above 0 and below 100, not {target}")));
    }
    let text = slo.window();
    let window = parse_duration(text).map_err(|message| ("window", message))?;
    let window = TimeDelta::from_std(window).map_err(|_| ("window", format!("`{text}` is too long")))?;
    if window < TimeDelta::hours(1) || window > TimeDelta::days(MAX_OBJECTIVE_DAYS) {
        return Err(("window", format!("an objective's window is 1h to {MAX_OBJECTIVE_DAYS}d, not `{text}`")));
    }
    Ok(Objective { target, window })
}

/// Checks a status page: a slug fit for a URL, host names, groups that select something, and
/// `uptime_days` within a year. Whether the monitors exist is checked where they are known.
pub fn compile_status_page(document: &Document, page: &StatusPage) -> Result<(), Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut problem = |path: &str, message: String| problems.push(document.problem(path, message));
    let spec = &page.status_page;
    if page.name.trim().is_empty() {
        problem("name", "a status page needs a name (its title)".into());
    }
    let slug_ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if spec.slug.is_empty() || !spec.slug.chars().all(slug_ok) || spec.slug.starts_with('-') {
        let message = format!("`{}` is not a slug: use lowercase letters, digits and `-`", spec.slug);
        problem("status_page.slug", message);
    }
    for (index, host) in spec.hosts.iter().enumerate() {
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
        };
        if host.len() > 253 || !host.split('.').all(label_ok) {
            let message = format!("`{host}` is not a host name such as status.example.com (no scheme or port)");
            problem(&child_index("status_page.hosts", index), message);
        } else if spec.hosts[..index].iter().any(|h| h.eq_ignore_ascii_case(host)) {
            problem(&child_index("status_page.hosts", index), format!("`{host}` is listed twice"));
        }
    }
    if spec.groups.is_empty() {
        problem("status_page.groups", "a status page shows at least one group of monitors".into());
    }
    for (index, group) in spec.groups.iter().enumerate() {
        let at = child_index("status_page.groups", index);
        if group.name.trim().is_empty() {
            problem(&child_key(&at, "name"), "a group needs a name".into());
        }
        if group.monitors.is_empty() && group.tags.is_empty() {
            problem(&at, "a group selects monitors: give `monitors`, `tags` or both".into());
        }
    }
    if !(1..=365).contains(&spec.uptime_days) {
        problem("status_page.uptime_days", format!("`uptime_days` is 1 to 365, not {}", spec.uptime_days));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn check(yaml: &str) -> Vec<String> {
        let mut document = Document::parse(Path::new("page.yaml"), yaml.to_string()).unwrap();
        let page: StatusPage = document.deserialize().unwrap();
        compile_status_page(&document, &page).err().unwrap_or_default().iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn a_page_as_the_contract_writes_it_is_accepted() {
        let yaml = "name: Acme status\nstatus_page:\n  slug: acme\n  hosts: [status.acme.com]\n  groups:\n    - name: Checkout\n      monitors: [production checkout]\n    - name: Search\n      tags: [search]\n  uptime_days: 90\n  show_latency: true\n";
        assert_eq!(check(yaml), Vec::<String>::new());
    }

    #[test]
    fn each_problem_names_its_line() {
        let yaml = "name: Acme\nstatus_page:\n  slug: Acme Page\n  hosts: [\"https://status.acme.com\"]\n  groups:\n    - name: Checkout\n  uptime_days: 400\n";
        let problems = check(yaml);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("page.yaml:3:9") && problems[0].contains("not a slug"), "{problems:?}");
        assert!(problems[1].contains("page.yaml:4:11") && problems[1].contains("host name"), "{problems:?}");
        assert!(problems[2].contains("page.yaml:6:7") && problems[2].contains("selects monitors"), "{problems:?}");
        assert!(problems[3].contains("page.yaml:7:16") && problems[3].contains("1 to 365"), "{problems:?}");
    }

    #[test]
    fn objectives_are_percentages_over_a_window() {
        assert_eq!(objective(&Slo::Target(99.9)).unwrap(), Objective { target: 99.9, window: TimeDelta::days(30) });
        let weekly = Slo::Full { target: 99.5, window: Some("7d".into()) };
        assert_eq!(objective(&weekly).unwrap().window, TimeDelta::days(7));
        assert_eq!(objective(&Slo::Target(100.0)).unwrap_err().0, "target");
        assert_eq!(objective(&Slo::Full { target: 99.0, window: Some("2y".into()) }).unwrap_err().0, "window");
    }
}
