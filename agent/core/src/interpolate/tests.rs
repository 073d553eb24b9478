use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use serde_json::{Map, Value, json};

use super::*;
use crate::response::Response;

fn response(status: u16, body: &str, headers: &[(&str, &str)]) -> Response {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
    }
    Response::new(status, map, Bytes::from(body.to_string()), Duration::from_millis(12), None)
}

struct Fixture {
    vars: Map<String, Value>,
    env: HashMap<String, String>,
    responses: Vec<Option<Response>>,
    names: Vec<Option<String>>,
    secrets: Secrets,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            vars: json!({"base": "http://h", "n": 3, "obj": {"k": [1, 2]}}).as_object().unwrap().clone(),
            env: HashMap::from([("TOKEN".to_string(), "s3cret".to_string())]),
            responses: vec![
                Some(response(200, r#"{"token":"abc","items":[{"qty":2}],"id":41}"#, &[("Location", "/x")])),
                Some(response(201, "plain text", &[])),
            ],
            names: vec![Some("login".into()), None, Some("pay".into())],
            secrets: Secrets::default(),
        }
    }

    fn scope(&mut self) -> Scope<'_> {
        Scope {
            vars: &self.vars,
            env: &self.env,
            responses: &self.responses,
            names: &self.names,
            secrets: &mut self.secrets,
        }
    }

    fn render(&mut self, text: &str) -> Result<String, ResolveError> {
        self.scope().render(&Template::parse(text).unwrap()).map(|c| c.into_owned())
    }

    fn render_json(&mut self, value: Value) -> Result<Value, ResolveError> {
        self.scope().render_json(&JsonTemplate::parse(&value).unwrap())
    }
}

#[test]
fn renders_steps_by_name_and_position() {
    let mut f = Fixture::new();
    assert_eq!(f.render("Bearer @{{login.body.token}}").unwrap(), "Bearer abc");
    assert_eq!(f.render("@{{vars.base}}/cart/@{{step1.body.id}}/pay").unwrap(), "http://h/cart/41/pay");
    assert_eq!(f.render("@{{ step1.body.items[0].qty }}").unwrap(), "2");
    assert_eq!(f.render("@{{step1.body.$.items[0].qty}}").unwrap(), "2");
    assert_eq!(f.render("@{{step1.status}} @{{step2.status}}").unwrap(), "200 201");
    assert_eq!(f.render("@{{login.headers.LOCATION}}").unwrap(), "/x");
    assert_eq!(f.render("@{{step2.body}}").unwrap(), "plain text");
    assert_eq!(f.render("@{{step1.latency}}").unwrap(), "12");
    assert_eq!(f.render("@{{vars.obj.k[1]}}").unwrap(), "2");
    assert_eq!(f.render("no refs").unwrap(), "no refs");
}

#[test]
fn builtins_render() {
    let mut f = Fixture::new();
    assert_eq!(f.render("@{{$uuid}}").unwrap().len(), 36);
    assert!(f.render("@{{$timestamp}}").unwrap().parse::<u64>().unwrap() > 1_700_000_000);
    assert!(f.render("@{{$now}}").unwrap().ends_with('Z'));
}

#[test]
fn json_bodies_keep_types_for_whole_references() {
    let mut f = Fixture::new();
    let body = json!({"qty": "@{{step1.body.items[0].qty}}", "items": "@{{login.body.items}}",
                      "label": "n=@{{vars.n}}", "fixed": [1, "x"], "n": "@{{vars.n}}"});
    assert_eq!(
        f.render_json(body).unwrap(),
        json!({"qty": 2, "items": [{"qty": 2}], "label": "n=3", "fixed": [1, "x"], "n": 3})
    );
}

#[test]
fn env_values_are_recorded_as_secrets() {
    let mut f = Fixture::new();
    assert_eq!(f.render("Bearer @{{env.TOKEN}}").unwrap(), "Bearer s3cret");
    assert_eq!(f.secrets.mask("Authorization: Bearer s3cret"), "Authorization: Bearer ***");
    let mut secrets = Secrets::default();
    secrets.add(r#"a b&"c""#);
    assert_eq!(secrets.mask(r#"?q=a+b%26%22c%22 {"p":"a b&\"c\""} a b&"c""#), r#"?q=*** {"p":"***"} ***"#);
}

#[test]
fn resolution_errors_say_what_was_there() {
    let mut f = Fixture::new();
    let err = f.render("@{{login.body.items[0].price}}").unwrap_err();
    assert_eq!(err.reference, "login.body.items[0].price");
    assert_eq!(err.problem, r#"step 1 'login' body `items[0]` has no such field; it was: {"qty":2}"#);
    let err = f.render("@{{step2.body.id}}").unwrap_err();
    assert_eq!(err.problem, "step 2 body is not JSON, so it has no fields; it was: plain text");
    let err = f.render("@{{pay.status}}").unwrap_err();
    assert_eq!(err.problem, "step 3 'pay' has not run before this step");
    let err = f.render("@{{nobody.status}}").unwrap_err();
    assert_eq!(err.problem, "there is no step `nobody`");
    let err = f.render("@{{env.MISSING}}").unwrap_err();
    assert_eq!(err.to_string(), "cannot resolve `@{{env.MISSING}}`: environment variable `MISSING` is not set");
    let err = f.render("@{{login.headers.x-nope}}").unwrap_err();
    assert_eq!(err.problem, "step 1 'login' has no header `x-nope` (it has: location)");
    let err = f.render("@{{vars.nope}}").unwrap_err();
    assert!(err.problem.contains("variable `nope` is not defined"));
}

#[test]
fn parse_errors_are_specific() {
    assert_eq!(Template::parse("@{{step1.body").unwrap_err(), TemplateError::Unclosed);
    assert_eq!(Template::parse("x @{{ }}").unwrap_err(), TemplateError::Empty);
    assert!(matches!(Template::parse("@{{login}}").unwrap_err(), TemplateError::Unknown(_)));
    assert!(matches!(Template::parse("@{{$random}}").unwrap_err(), TemplateError::Unknown(_)));
    let err = Template::parse("@{{login.cookies}}").unwrap_err();
    assert_eq!(
        err.to_string(),
        "`login.cookies`: unknown part `cookies`; expected status, latency, headers.NAME, body or body.PATH"
    );
    assert!(matches!(Template::parse("@{{login.body.a[x]}}").unwrap_err(), TemplateError::Path { .. }));
}

#[test]
fn step_refs_parse_by_position_or_name() {
    let t = Template::parse("@{{step12.status}}").unwrap();
    match &t.as_single_reference().unwrap().target {
        Target::Step { step, .. } => assert_eq!(step, &StepRef::Position(12)),
        other => panic!("{other:?}"),
    }
    let t = Template::parse("@{{stepper.status}}").unwrap();
    match &t.as_single_reference().unwrap().target {
        Target::Step { step, .. } => assert_eq!(step, &StepRef::Name("stepper".into())),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_quoted_literal_writes_text_that_would_otherwise_be_a_reference() {
    let mut f = Fixture::new();
    assert_eq!(f.render("price @{{'@{{'}}total}} for @{{vars.n}}").unwrap(), "price @{{total}} for 3");
    let escaped = Template::escape("{\"password\": \"open@{{-sesame\"}");
    assert_eq!(Template::parse(&escaped).unwrap().as_literal(), Some("{\"password\": \"open@{{-sesame\"}"));
    assert_eq!(f.render(&Template::escape("a @{{b}} @{{")).unwrap(), "a @{{b}} @{{");
}
