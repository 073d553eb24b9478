//! The peers' own test suites, imported and run: Hurl's integration tests against a stand-in
//! for its Flask server, and Newman's integration collections beside Newman itself.

mod hurl;
mod hurl_flask;
mod hurl_flask_values;
mod newman;
mod postman_echo;
