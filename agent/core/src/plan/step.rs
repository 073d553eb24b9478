//! Planning one step: what every kind shares (checks, captures, retry, timeout), and the
//! request an HTTP or gRPC step sends.

use std::time::Duration;

use http::{HeaderName, Method};
use serde_json::{Map, Value};

use super::exchange::{Exchange, Wire};
use super::{Compiler, Inherited, PlannedStep, RefScope};
use crate::assert::Check;
use crate::document::{child_index, child_key};
use crate::interpolate::{Piece, Template};
use crate::model::{self, Assertion, AssertionSource, Op, Severity};

impl Compiler<'_> {
    pub(super) fn step(
        &mut self,
        index: usize,
        step: model::Step,
        inherited: &Inherited,
        scope: &RefScope,
    ) -> PlannedStep {
        let at = child_index("steps", index);
        let kinds = [step.request.is_some(), step.websocket.is_some(), step.probe.is_some()];
        match kinds.iter().filter(|given| **given).count() {
            0 => self.problem(&at, "a step needs one of `request`, `websocket` or `probe`"),
            1 => {}
            _ => self.problem(&at, "a step has one of `request`, `websocket` or `probe`, not several"),
        }
        let wire = if let Some(request) = &step.request {
            self.request(&at, request, inherited, scope)
        } else if let Some(websocket) = &step.websocket {
            self.websocket(&at, websocket, inherited, scope)
        } else if let Some(probe) = &step.probe {
            Wire::none(inherited.tls, self.probe(&child_key(&at, "probe"), probe, scope))
        } else {
            Wire::none(inherited.tls, Exchange::Http)
        };
        let mut checks: Vec<Check> = step
            .assert
            .iter()
            .enumerate()
            .filter_map(|(i, assertion)| {
                Check::compile(assertion)
                    .map_err(|err| {
                        self.problem(&child_key(&child_index(&child_key(&at, "assert"), i), err.field), err.message)
                    })
                    .ok()
            })
            .collect();
        if let Exchange::Grpc(grpc) = &wire.exchange {
            checks.extend(implicit_grpc_checks(&checks, grpc.health));
        }
        let captures = self.captures(&at, &step.captures);
        if let Some(retry) = &step.retry
            && retry.attempts == 0
        {
            self.problem(&child_key(&at, "retry.attempts"), "`attempts` counts the first try too, so it is at least 1");
        }
        let timeout_ms = step.timeout_ms.or(inherited.defaults.timeout_ms).unwrap_or(model::DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 {
            self.problem(&child_key(&at, "timeout_ms"), "a timeout must be more than 0 ms");
        }
        let label = match &step.name {
            Some(name) => format!("step {} '{name}'", index + 1),
            None => format!("step {}", index + 1),
        };
        let script = self.step_scripts(&at, &step, &label, inherited.script);
        PlannedStep {
            name: step.name,
            label,
            exchange: wire.exchange,
            method: wire.method,
            url: wire.url,
            query: wire.query,
            headers: wire.headers,
            cookies: wire.cookies,
            body: wire.body,
            auth: wire.auth,
            follow_redirects: wire.follow_redirects,
            max_redirects: wire.max_redirects,
            timeout: Duration::from_millis(timeout_ms),
            tls: wire.tls,
            retry: step.retry,
            checks,
            captures,
            script,
        }
    }

    /// An HTTP request, or a gRPC call when it has `grpc`.
    fn request(&mut self, at: &str, request: &model::Request, inherited: &Inherited, scope: &RefScope) -> Wire {
        let at = child_key(at, "request");
        let mut method =
            Method::from_bytes(request.method.trim().to_ascii_uppercase().as_bytes()).unwrap_or_else(|_| {
                self.problem(&child_key(&at, "method"), format!("`{}` is not an HTTP method", request.method));
                Method::GET
            });
        let url = self.url(&child_key(&at, "url"), &request.url, &["http", "https"], scope);
        let mut query = Vec::new();
        for (name, value) in &request.query {
            let path = child_key(&child_key(&at, "query"), name);
            let values = match value {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            for value in values {
                if let Some(text) = self.scalar_text(&path, &value) {
                    query.push((name.clone(), self.template(&path, &text, scope)));
                }
            }
        }
        let headers = self.headers(&child_key(&at, "headers"), &request.headers, inherited, scope);
        let mut cookies = Vec::new();
        for (name, value) in &request.cookies {
            let path = child_key(&child_key(&at, "cookies"), name);
            if name.is_empty() || name.contains([';', '=', ' ']) {
                self.problem(&path, "a cookie name cannot be empty or hold `;`, `=` or a space");
            } else if let Some(text) = self.scalar_text(&path, value) {
                cookies.push((name.clone(), self.template(&path, &text, scope)));
            }
        }
        let body = self.body(&child_key(&at, "body"), request.body.as_ref(), scope, inherited.base_dir);
        let mut tls = inherited.tls.clone();
        let auth = match &request.auth {
            None => None,
            Some(auth) => self.auth(&child_key(&at, "auth"), auth, scope, inherited.base_dir, &mut tls),
        };
        let mut follow_redirects = request.follow_redirects.or(inherited.defaults.follow_redirects).unwrap_or(true);
        self.check_max_redirects(&child_key(&at, "max_redirects"), request.max_redirects);
        let max_redirects =
            request.max_redirects.or(inherited.defaults.max_redirects).unwrap_or(model::DEFAULT_MAX_REDIRECTS);
        let exchange = match &request.grpc {
            None => Exchange::Http,
            Some(grpc) => {
                // `method` defaults to GET, which a gRPC step leaves as it is.
                if method != Method::POST && method != Method::GET {
                    self.problem(&child_key(&at, "method"), "a gRPC call is a POST; leave `method` out");
                }
                method = Method::POST;
                if request.body.is_some() {
                    self.problem(&child_key(&at, "body"), "a gRPC call sends `grpc.message`, not a `body`");
                }
                if !query.is_empty() {
                    self.problem(&child_key(&at, "query"), "a gRPC call has no query string");
                }
                follow_redirects = false;
                Exchange::Grpc(self.grpc(&child_key(&at, "grpc"), grpc, scope, inherited.base_dir))
            }
        };
        Wire { method, url, query, headers, cookies, body, auth, follow_redirects, max_redirects, tls, exchange }
    }

    /// The step's headers over the defaults' (a step's own header replaces a default of that name).
    pub(super) fn headers(
        &mut self,
        at: &str,
        own: &Map<String, Value>,
        inherited: &Inherited,
        scope: &RefScope,
    ) -> Vec<(HeaderName, Template)> {
        let mut headers = inherited.headers.to_vec();
        for (name, value) in own {
            let path = child_key(at, name);
            if let Some((header, template)) = self.header(&path, name, value, scope) {
                headers.retain(|(existing, _)| existing != header);
                headers.push((header, template));
            }
        }
        headers
    }

    /// A URL template whose written start is checked: a scheme of `schemes` and a host.
    pub(super) fn url(&mut self, path: &str, text: &str, schemes: &[&str], scope: &RefScope) -> Template {
        let url = self.template(path, text, scope);
        if let Some(Piece::Text(literal)) = url.pieces.first() {
            let complete = url.as_literal().is_some();
            self.check_url(path, literal, complete, schemes);
        }
        url
    }

    fn check_url(&mut self, path: &str, text: &str, complete: bool, schemes: &[&str]) {
        let expected = schemes.join(" or ");
        if complete {
            match url::Url::parse(text) {
                Ok(url) if schemes.contains(&url.scheme()) && url.host().is_some() => {}
                Ok(url) => self.problem(path, format!("`{text}` is not an {expected} URL (scheme `{}`)", url.scheme())),
                Err(err) => self.problem(path, format!("`{text}` is not a valid URL: {err}")),
            }
        } else if let Some((scheme, _)) = text.split_once("://")
            && !schemes.contains(&scheme)
        {
            self.problem(path, format!("`{scheme}` is not {expected}"));
        }
    }
}

/// What a gRPC step checks unless it says otherwise: that the call ended `OK`, and for a
/// health check that the service is `SERVING`.
fn implicit_grpc_checks(written: &[Check], health: bool) -> Vec<Check> {
    let mut implicit = Vec::new();
    let assertion = |name: &str, source, property: Option<&str>, value: Value| Assertion {
        name: Some(name.to_string()),
        source,
        property: property.map(str::to_string),
        op: Op::Eq.into(),
        not: false,
        value: Some(value),
        plugin: None,
        filters: Vec::new(),
        severity: Severity::Fail,
    };
    if !written.iter().any(|check| check.source == AssertionSource::GrpcStatus) {
        implicit.push(assertion("gRPC status is OK", AssertionSource::GrpcStatus, None, Value::from(0)));
    }
    let checks_status = |check: &&Check| check.source == AssertionSource::Body && check.property.is_some();
    if health && !written.iter().any(|check| checks_status(&check)) {
        implicit.push(assertion("the service is SERVING", AssertionSource::Body, Some("status"), "SERVING".into()));
    }
    implicit.into_iter().map(|assertion| Check::compile(&assertion).expect("implicit checks compile")).collect()
}
