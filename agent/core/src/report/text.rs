//! The per-step results `skopos run` prints.

use console::Style;

use super::{CollectionReport, Outcome, StepReport, StepStatus};

/// Styles for the terminal; all plain when output is not a terminal.
pub struct Palette {
    pass: Style,
    fail: Style,
    warn: Style,
    dim: Style,
    bold: Style,
}

impl Palette {
    pub fn new(color: bool) -> Palette {
        let style = |s: Style| s.force_styling(color);
        Palette {
            pass: style(Style::new().green()),
            fail: style(Style::new().red()),
            warn: style(Style::new().yellow()),
            dim: style(Style::new().dim()),
            bold: style(Style::new().bold()),
        }
    }
}

/// A collection's results as lines of text.
pub fn collection(report: &CollectionReport, palette: &Palette) -> String {
    let mark = match report.outcome() {
        Outcome::Passed => palette.pass.apply_to("PASS"),
        Outcome::Degraded => palette.warn.apply_to("WARN"),
        Outcome::Failed => palette.fail.apply_to("FAIL"),
    };
    let mut out = format!(
        "{mark} {} {}\n",
        palette.bold.apply_to(&report.name),
        palette.dim.apply_to(format!("({}, {:.0} ms)", report.file, report.duration_ms))
    );
    for step in &report.steps {
        out.push_str(&self::step(step, palette));
    }
    out
}

fn step(step: &StepReport, palette: &Palette) -> String {
    let label = step.label();
    let mut out = match step.status {
        StepStatus::Skipped => {
            return format!("  {} {label} {}\n", palette.dim.apply_to("-"), palette.dim.apply_to("skipped"));
        }
        StepStatus::Passed => format!("  {} {label}", palette.pass.apply_to("✓")),
        StepStatus::Degraded => format!("  {} {label}", palette.warn.apply_to("!")),
        StepStatus::Failed => format!("  {} {label}", palette.fail.apply_to("✗")),
    };
    if let Some(request) = &step.request {
        out.push_str(&format!(" {} {}", request.method, request.url));
    }
    if let Some(response) = &step.response {
        out.push_str(&format!(" → {}", response.status));
    }
    if let Some(timings) = &step.timings {
        out.push_str(&format!(" {}", palette.dim.apply_to(format!("{:.0} ms", timings.total_ms))));
    }
    if step.attempts.len() > 1 {
        out.push_str(&format!(" {}", palette.dim.apply_to(format!("after {} attempts", step.attempts.len()))));
    }
    out.push('\n');
    if let Some(error) = &step.error {
        out.push_str(&format!("      {} {}\n", palette.fail.apply_to("error:"), error.message));
    }
    for assertion in step.assertions.iter().filter(|a| !a.passed) {
        let mark =
            if assertion.fails_step() { palette.fail.apply_to("✗") } else { palette.warn.apply_to("warning:") };
        out.push_str(&format!(
            "      {} {}: {}\n",
            mark,
            assertion.subject(),
            assertion.message.as_deref().unwrap_or("failed")
        ));
    }
    if let Some(note) = &step.note {
        out.push_str(&format!(
            "      {} {note}
",
            palette.warn.apply_to("note:")
        ));
    }
    // A failed check reads better with what the server said.
    if let (StepStatus::Failed, Some(response)) = (step.status, &step.response)
        && !response.body.is_empty()
    {
        let body = crate::response::snippet(&response.body, 160);
        out.push_str(&format!("      {}\n", palette.dim.apply_to(format!("response body: {body}"))));
    }
    out
}
