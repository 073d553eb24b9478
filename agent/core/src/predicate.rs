//! The assertion vocabulary: every operator is one [`Op`] variant (its name, the value it
//! expects, and its evaluation in `assert::ops`), and [`Predicate`] adds negation, in the
//! spirit of Hurl's `Predicate { not, func }`. Negation is handled once, for every operator.
//!
//! The file format's `op` names an operator (`eq`), or one of the negated names kept from the
//! first format (`ne` is `not eq`, and `not_in`, `not_contains`, `not_exists`); any operator
//! is negated with `not: true` beside it.

use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use strum::IntoEnumIterator;

/// An assertion operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Op {
    /// JSON equality (`200` equals `"200"` only for status and headers).
    Eq,
    Lt,
    Lte,
    Gt,
    Gte,
    /// The value is one of a list.
    In,
    /// Substring, array element, or object key.
    Contains,
    /// A regular expression.
    Matches,
    /// The path is present (no `value`).
    Exists,
    /// `string`, `number`, `boolean`, `object`, `array`, `null`.
    Type,
    /// The length of a string, array or object.
    Length,
    /// The number of nodes a JSONPath matched.
    Count,
    /// A custom assertion plugin: `plugin: NAME`, `value` is its configuration.
    Plugin,
}

/// What an operator's `value` must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// No `value`.
    Nothing,
    /// Any JSON value.
    Any,
    Number,
    List,
    /// A regular expression, as a string.
    Pattern,
    /// One of [`TYPE_NAMES`].
    TypeName,
    WholeNumber,
    /// Handed to the plugin, when given.
    PluginConfig,
}

/// The names the `type` operator uses for JSON values.
pub const TYPE_NAMES: [&str; 6] = ["string", "number", "boolean", "object", "array", "null"];

impl Op {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn expects(self) -> Expected {
        match self {
            Op::Eq | Op::Contains => Expected::Any,
            Op::Lt | Op::Lte | Op::Gt | Op::Gte => Expected::Number,
            Op::In => Expected::List,
            Op::Matches => Expected::Pattern,
            Op::Exists => Expected::Nothing,
            Op::Type => Expected::TypeName,
            Op::Length | Op::Count => Expected::WholeNumber,
            Op::Plugin => Expected::PluginConfig,
        }
    }

    /// The name that negates it, kept from the first file format (`ne` for `eq`).
    pub fn negated_name(self) -> Option<&'static str> {
        match self {
            Op::Eq => Some("ne"),
            Op::In => Some("not_in"),
            Op::Contains => Some("not_contains"),
            Op::Exists => Some("not_exists"),
            _ => None,
        }
    }
}

/// An operator and whether it is negated: what an assertion checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Predicate {
    pub not: bool,
    pub op: Op,
}

impl Predicate {
    pub fn new(op: Op) -> Predicate {
        Predicate { not: false, op }
    }

    pub fn negate(self) -> Predicate {
        Predicate { not: !self.not, op: self.op }
    }

    /// Sets `op` (and `not`, where needed) and `value` of an assertion written as JSON, as the
    /// file format spells them: what the importers write.
    pub fn write_into(self, assertion: &mut serde_json::Value, value: Option<serde_json::Value>) {
        let (op, not) = self.spelled();
        assertion["op"] = serde_json::Value::String(op.as_str().to_string());
        if not {
            assertion["not"] = serde_json::Value::Bool(true);
        }
        if let Some(value) = value {
            assertion["value"] = value;
        }
    }

    /// How the file format writes it: `op` (with a negated name where one exists) and `not`.
    pub fn spelled(self) -> (OpName, bool) {
        match (self.not, self.op.negated_name()) {
            (true, Some(_)) => (OpName { op: self.op, negated: true }, false),
            (not, _) => (OpName { op: self.op, negated: false }, not),
        }
    }
}

/// `op` as written: an operator's name, or one of the negated names (`ne`, `not_in`,
/// `not_contains`, `not_exists`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpName {
    op: Op,
    negated: bool,
}

impl OpName {
    pub fn parse(name: &str) -> Option<OpName> {
        if let Ok(op) = name.parse::<Op>() {
            return Some(OpName { op, negated: false });
        }
        Op::iter().find(|op| op.negated_name() == Some(name)).map(|op| OpName { op, negated: true })
    }

    pub fn as_str(self) -> &'static str {
        match self.negated {
            true => self.op.negated_name().unwrap_or_else(|| self.op.as_str()),
            false => self.op.as_str(),
        }
    }

    /// The operator, negated when the name says so.
    pub fn predicate(self) -> Predicate {
        Predicate { not: self.negated, op: self.op }
    }

    pub fn op(self) -> Op {
        self.op
    }

    pub fn is_negated(self) -> bool {
        self.negated
    }

    /// Every name `op` accepts, each operator followed by its negated name.
    pub fn all() -> &'static [&'static str] {
        static NAMES: LazyLock<Vec<&'static str>> =
            LazyLock::new(|| Op::iter().flat_map(|op| std::iter::once(op.as_str()).chain(op.negated_name())).collect());
        &NAMES
    }
}

impl From<Op> for OpName {
    fn from(op: Op) -> OpName {
        OpName { op, negated: false }
    }
}

/// In the file format's JSON Schema: one of [`OpName::all`].
impl schemars::JsonSchema for OpName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Op".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": OpName::all(),
            "description": "An operator (docs/collections.md), or a negated name: `ne`, `not_in`, `not_contains`, `not_exists`."
        })
    }
}

impl Serialize for OpName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OpName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<OpName, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(deserializer)?;
        OpName::parse(&name).ok_or_else(|| serde::de::Error::unknown_variant(&name, OpName::all()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_as_itself() {
        for name in OpName::all() {
            let op = OpName::parse(name).unwrap();
            assert_eq!(op.as_str(), *name);
            let json = serde_json::to_value(op).unwrap();
            assert_eq!(serde_json::from_value::<OpName>(json).unwrap(), op);
        }
        assert_eq!(OpName::all().len(), Op::iter().count() + 4);
    }

    #[test]
    fn a_negated_predicate_is_spelled_with_the_old_name_where_there_is_one() {
        let ne = Predicate::new(Op::Eq).negate();
        assert_eq!(ne.spelled(), (OpName::parse("ne").unwrap(), false));
        assert_eq!(OpName::parse("ne").unwrap().predicate(), ne);
        let not_lt = Predicate::new(Op::Lt).negate();
        assert_eq!(not_lt.spelled(), (OpName::from(Op::Lt), true));
        assert_eq!(Predicate::new(Op::Lt).spelled(), (OpName::from(Op::Lt), false));
    }

    #[test]
    fn unknown_names_list_every_name() {
        let error = serde_json::from_str::<OpName>("\"equals\"").unwrap_err().to_string();
        assert!(error.starts_with("unknown variant `equals`, expected one of `eq`, `ne`, `lt`"), "{error}");
    }
}
