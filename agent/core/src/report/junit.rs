//! JUnit XML, as CI systems read it: a test suite per collection, a test case per step.

use junit_report::{Duration, Report, TestCase, TestSuite};

use super::{RunReport, StepReport, StepStatus};

pub fn write(report: &RunReport, sink: impl std::io::Write) -> Result<(), junit_report::Error> {
    let mut junit = Report::new();
    for collection in &report.collections {
        let mut suite = TestSuite::new(&collection.name);
        for step in &collection.steps {
            let mut case = test_case(step);
            case.set_classname(&collection.name);
            case.set_filepath(&collection.file);
            suite.add_testcase(case);
        }
        junit.add_testsuite(suite);
    }
    junit.write_xml(sink)
}

fn test_case(step: &StepReport) -> TestCase {
    let name = step.label();
    let time = Duration::seconds_f64(step.timings.map_or(0.0, |t| t.total_ms / 1000.0));
    match (step.status, &step.error) {
        (StepStatus::Passed, _) => TestCase::success(&name, time),
        // A warning, not a failure: it passes, and says why it is degraded.
        (StepStatus::Degraded, _) => {
            let mut case = TestCase::success(&name, time);
            let warnings: Vec<String> = step.assertions.iter().filter(|a| !a.passed).map(describe).collect();
            case.set_system_out(&format!("degraded: {}", warnings.join("; ")));
            case
        }
        (StepStatus::Skipped, _) => TestCase::skipped(&name),
        (StepStatus::Failed, Some(error)) => {
            let kind =
                serde_json::to_value(error.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            TestCase::error(&name, time, &kind, &error.message)
        }
        (StepStatus::Failed, None) => {
            let failures: Vec<String> = step.assertions.iter().filter(|a| !a.passed).map(describe).collect();
            TestCase::failure(&name, time, "assertion", &failures.join("; "))
        }
    }
}

fn describe(assertion: &crate::assert::AssertionResult) -> String {
    format!("{}: {}", assertion.subject(), assertion.message.as_deref().unwrap_or("failed"))
}
