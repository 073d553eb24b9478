//! Message templates: a notify entry's `template: { title, text }`, in minijinja's template
//! language, rendered with the alert's fields. The environment has no loader, no filesystem,
//! no environment variables and a fuel limit, so a template can only shape the alert it is
//! given. Undefined names are errors (a misspelt `{{ monitr }}` is caught when the monitor is
//! saved, by rendering each part against a failing and a recovered sample alert).

use chrono::{DateTime, Utc};
use minijinja::{Environment, UndefinedBehavior};
use serde_json::{Value, json};

use super::{AlertEvent, Failure, Transition};
use crate::model::MessageTemplate;

/// Instructions a render may take: ample for any message, a stop for an endless loop.
const FUEL: u64 = 50_000;
/// The most text a part may render to.
const MAX_CHARS: usize = 16 * 1024;

/// A rendered template: what a notifier shows in place of its own title and text.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageText {
    pub title: String,
    pub text: String,
}

/// A template that cannot render: which part, the line within it, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{part}: line {line}: {message}")]
pub struct TemplateError {
    /// `title` or `text`.
    pub part: &'static str,
    pub line: usize,
    pub message: String,
}

/// The alert's state in capitals: `FAILING`, `DEGRADED`, `STILL FAILING`, `RECOVERED`.
pub fn state_word(transition: &Transition) -> &'static str {
    match transition {
        Transition::Failing { .. } => "FAILING",
        Transition::Degraded { .. } => "DEGRADED",
        Transition::Reminder { .. } => "STILL FAILING",
        Transition::Recovered { .. } => "RECOVERED",
    }
}

/// The default title: `FAILING: checkout / login`.
pub fn default_title(event: &AlertEvent) -> String {
    format!("{}: {} / {}", state_word(&event.transition), event.monitor, event.collection)
}

/// Renders `template` for `event`; a part the template leaves out keeps its default (the
/// default title, the one-line summary).
pub fn render(
    template: &MessageTemplate,
    event: &AlertEvent,
    run_link: Option<&str>,
) -> Result<MessageText, TemplateError> {
    let context = context(event, run_link);
    let title = match &template.title {
        Some(source) => render_part("title", source, &context)?,
        None => default_title(event),
    };
    let text = match &template.text {
        Some(source) => render_part("text", source, &context)?,
        None => event.summary(),
    };
    Ok(MessageText { title, text })
}

/// Checks `template` when it is saved: each part parses and renders for a failing alert and
/// for a recovery.
pub fn check(template: &MessageTemplate) -> Result<(), TemplateError> {
    for event in [sample(false), sample(true)] {
        render(template, &event, Some("https://skopos.example/api/v1/runs/r-1"))?;
    }
    Ok(())
}

/// The fields a template reads: the alert as the `webhook` notifier sends it (`monitor`,
/// `collection`, `transition`, `since`, `recovered_at`, `region`, `failing_regions`,
/// `run_id`, `run_started_at`, `tags`, `failure`, `summary`), with `state` and `run_link`.
fn context(event: &AlertEvent, run_link: Option<&str>) -> Value {
    let mut context = event.payload();
    context["state"] = json!(state_word(&event.transition));
    context["run_link"] = json!(run_link);
    for optional in ["region", "recovered_at", "failure"] {
        if context.get(optional).is_none() {
            context[optional] = Value::Null;
        }
    }
    if context.get("tags").is_none() {
        context["tags"] = json!([]);
    }
    if let Some(assertions) = context.pointer_mut("/failure/assertions").and_then(Value::as_array_mut) {
        let subjects = event.failure.iter().flat_map(|failure| failure.assertions.iter().map(|a| a.subject()));
        for (assertion, subject) in assertions.iter_mut().zip(subjects) {
            assertion["subject"] = json!(subject);
        }
    }
    context
}

fn render_part(part: &'static str, source: &str, context: &Value) -> Result<String, TemplateError> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    environment.set_fuel(Some(FUEL));
    environment.set_keep_trailing_newline(false);
    let problem = |error: minijinja::Error| TemplateError {
        part,
        line: error.line().unwrap_or(1),
        message: match error.detail() {
            Some(detail) => format!("{}: {detail}", error.kind()),
            None => error.kind().to_string(),
        },
    };
    let template = environment.template_from_str(source).map_err(problem)?;
    let rendered = template.render(context).map_err(problem)?;
    if rendered.chars().count() > MAX_CHARS {
        return Err(TemplateError { part, line: 1, message: format!("renders to more than {MAX_CHARS} characters") });
    }
    Ok(rendered)
}

/// A failing alert with a failed assertion, or its recovery, to check templates against.
fn sample(recovered: bool) -> AlertEvent {
    let since: DateTime<Utc> = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
    let failure: Failure = serde_json::from_value(json!({
        "step": "step 1 'login'",
        "assertions": [{"source": "status", "op": "eq", "expected": 200, "actual": 503, "passed": false,
                        "message": "expected 200, got 503"}]
    }))
    .expect("the sample failure is well-formed");
    AlertEvent {
        monitor_id: "m-1".into(),
        monitor: "checkout".into(),
        collection_id: "c-1".into(),
        collection: "login".into(),
        region: Some("eu-west".into()),
        failing_regions: Vec::new(),
        tags: vec!["tier-1".into()],
        transition: match recovered {
            true => Transition::Recovered { since, at: since },
            false => Transition::Failing { since },
        },
        run_id: "r-1".into(),
        run_started_at: since,
        failure: (!recovered).then_some(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(title: Option<&str>, text: Option<&str>) -> MessageTemplate {
        MessageTemplate { title: title.map(str::to_string), text: text.map(str::to_string) }
    }

    #[test]
    fn a_template_renders_the_alerts_fields() {
        let event = sample(false);
        let rendered = render(
            &template(
                Some("{{ state }} {{ monitor }}"),
                Some("{{ collection }} broke at {{ failure.step }}\n{% for a in failure.assertions %}{{ a.subject }}: got {{ a.actual }}{% endfor %}{% if tags %} #{{ tags | join(' #') }}{% endif %}"),
            ),
            &event,
            Some("https://x/runs/r-1"),
        )
        .unwrap();
        assert_eq!(rendered.title, "FAILING checkout");
        assert_eq!(rendered.text, "login broke at step 1 'login'\nstatus: got 503 #tier-1");
    }

    #[test]
    fn a_missing_part_keeps_its_default() {
        let event = sample(true);
        let rendered = render(&template(None, Some("{{ monitor }} is {{ transition }}")), &event, None).unwrap();
        assert_eq!(rendered.title, "RECOVERED: checkout / login");
        assert_eq!(rendered.text, "checkout is recovered");
    }

    #[test]
    fn errors_name_the_part_and_line() {
        let error = check(&template(None, Some("fine\n{{ monitr }}"))).unwrap_err();
        assert_eq!((error.part, error.line), ("text", 2), "{error}");
        assert!(error.message.contains("undefined"), "{error}");
        let error = check(&template(Some("{% if %}"), None)).unwrap_err();
        assert_eq!((error.part, error.line), ("title", 1), "{error}");
        // A recovery has no failure: a template that assumes one is caught at save time.
        let error = check(&template(None, Some("{{ failure.step }}"))).unwrap_err();
        assert_eq!(error.part, "text", "{error}");
    }

    #[test]
    fn an_endless_template_runs_out_of_fuel() {
        let error = check(&template(
            None,
            Some("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"),
        ))
        .unwrap_err();
        assert!(error.message.contains("fuel") || error.message.contains("range"), "{error}");
    }
}
