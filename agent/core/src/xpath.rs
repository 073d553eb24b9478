//! XPath 1.0 queries on an XML body (`property: "string(//user/name)"`, `//item`), as Hurl's
//! `xpath` query reads them: the document's namespace prefixes are bound as written, and `_`
//! to the default namespace of the root element.

use serde_json::Value;

/// An XPath expression, checked when the collection is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPathQuery {
    pub expression: String,
}

/// XPath 1.0's functions: a property that calls one is an XPath expression.
const FUNCTIONS: [&str; 27] = [
    "boolean",
    "ceiling",
    "concat",
    "contains",
    "count",
    "false",
    "floor",
    "id",
    "lang",
    "last",
    "local-name",
    "name",
    "namespace-uri",
    "normalize-space",
    "not",
    "number",
    "position",
    "round",
    "starts-with",
    "string",
    "string-length",
    "substring",
    "substring-after",
    "substring-before",
    "sum",
    "translate",
    "true",
];

/// What an XPath expression found.
#[derive(Debug, PartialEq)]
pub enum Found {
    /// The string values of the nodes matched, in document order.
    Nodes(Vec<String>),
    /// A string, number or boolean.
    Value(Value),
}

/// A node set as a value: one node's text, or the list of several; `None` for no node.
pub fn nodes_value(nodes: Vec<String>) -> Option<Value> {
    match nodes.len() {
        0 => None,
        1 => nodes.into_iter().next().map(Value::String),
        _ => Some(Value::from(nodes)),
    }
}

impl XPathQuery {
    /// Whether a property is an XPath expression rather than a dot path or JSONPath: it starts
    /// with `/` or `(`, or calls an XPath function.
    pub fn looks_like(property: &str) -> bool {
        let property = property.trim_start();
        property.starts_with('/')
            || property.starts_with('(')
            || FUNCTIONS.iter().any(|f| property.strip_prefix(f).is_some_and(|rest| rest.trim_start().starts_with('(')))
    }

    pub fn parse(expression: &str) -> Result<XPathQuery, String> {
        match sxd_xpath::Factory::new().build(expression) {
            Ok(Some(_)) => Ok(XPathQuery { expression: expression.to_string() }),
            Ok(None) => Err("an empty XPath expression".into()),
            Err(error) => Err(format!("invalid XPath `{expression}`: {error}")),
        }
    }

    /// Evaluates the expression on `xml`; `Err` says why it cannot be.
    pub fn evaluate(&self, xml: &str) -> Result<Found, String> {
        let text = without_doctype(xml)?;
        let package = sxd_document::parser::parse(&text).map_err(|e| format!("the body is not XML: {e}"))?;
        let document = package.as_document();
        let mut context = sxd_xpath::Context::new();
        let elements = document.root().children().into_iter().filter_map(|child| child.element());
        for element in elements {
            if let Some(uri) = element.default_namespace_uri() {
                context.set_namespace("_", uri);
            }
            bind_namespaces(element, &mut context);
        }
        let xpath = sxd_xpath::Factory::new()
            .build(&self.expression)
            .map_err(|e| format!("invalid XPath: {e}"))?
            .ok_or("an empty XPath expression")?;
        let value =
            xpath.evaluate(&context, document.root()).map_err(|e| format!("XPath `{}`: {e}", self.expression))?;
        Ok(match value {
            sxd_xpath::Value::Nodeset(nodes) => {
                Found::Nodes(nodes.document_order().iter().map(|node| node.string_value()).collect())
            }
            sxd_xpath::Value::String(text) => Found::Value(Value::String(text)),
            sxd_xpath::Value::Boolean(flag) => Found::Value(Value::Bool(flag)),
            sxd_xpath::Value::Number(number) => Found::Value(number_value(number)),
        })
    }
}

/// A whole number as an integer (`count()` is `3`, not `3.0`); NaN and infinities as `null`.
fn number_value(number: f64) -> Value {
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        Value::from(number as i64)
    } else {
        serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
    }
}

/// Every prefix declared in the document, the first declaration of each winning.
fn bind_namespaces(element: sxd_document::dom::Element<'_>, context: &mut sxd_xpath::Context<'_>) {
    let mut stack = vec![element];
    let mut bound = std::collections::HashSet::new();
    while let Some(element) = stack.pop() {
        for namespace in element.namespaces_in_scope() {
            if bound.insert(namespace.prefix().to_string()) {
                context.set_namespace(namespace.prefix(), namespace.uri());
            }
        }
        stack.extend(element.children().into_iter().filter_map(|child| child.element()).rev());
    }
}

/// The document without its `<!DOCTYPE ...>` declaration, which names a DTD the query does not
/// read; one with an internal subset (`[...]`, which can define entities) is refused.
fn without_doctype(xml: &str) -> Result<String, String> {
    let Some(start) = xml.find("<!DOCTYPE") else { return Ok(xml.to_string()) };
    let end = xml[start..].find('>').map(|end| start + end).ok_or("an unfinished <!DOCTYPE")?;
    if xml[start..end].contains('[') {
        return Err("the body's DOCTYPE has an internal subset, which is not read".into());
    }
    Ok(format!("{}{}", &xml[..start], &xml[end + 1..]))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const BOOK: &str = "<?xml version=\"1.0\"?>\n<!DOCTYPE book PUBLIC \"-//X//DTD Book//EN\" \"http://example.com/book.dtd\">\n<book xmlns='urn:books' xmlns:isbn='urn:isbn'>\n  <title>Cheaper by the Dozen</title>\n  <isbn:number>1568491379</isbn:number>\n  <tag>a</tag><tag>b</tag>\n</book>";

    fn found(expression: &str) -> Result<Found, String> {
        XPathQuery::parse(expression)?.evaluate(BOOK)
    }

    #[test]
    fn expressions_read_xml_with_its_namespaces() {
        assert_eq!(found("string(//_:book/_:title)"), Ok(Found::Value(json!("Cheaper by the Dozen"))));
        assert_eq!(found("string(//_:book/isbn:number)"), Ok(Found::Value(json!("1568491379"))));
        assert_eq!(found("count(//_:tag)"), Ok(Found::Value(json!(2))));
        assert_eq!(found("//_:tag"), Ok(Found::Nodes(vec!["a".into(), "b".into()])));
        assert_eq!(found("//*[local-name()='nothing']"), Ok(Found::Nodes(vec![])));
        assert_eq!(found("boolean(//_:title)"), Ok(Found::Value(json!(true))));
    }

    #[test]
    fn what_is_an_xpath_and_what_cannot_be_read() {
        for xpath in ["//a", "/a/b", "string(//a)", "normalize-space( //a )", "count(//a)", "(//a)[1]"] {
            assert!(XPathQuery::looks_like(xpath), "{xpath}");
        }
        for path in ["a.b[0]", "$.a", "strings", "name.first"] {
            assert!(!XPathQuery::looks_like(path), "{path}");
        }
        assert!(XPathQuery::parse("//a[").is_err());
        let query = XPathQuery::parse("//a").unwrap();
        assert!(query.evaluate("{\"json\": true}").unwrap_err().starts_with("the body is not XML"));
        assert!(query.evaluate("<!DOCTYPE a [<!ENTITY x \"y\">]><a/>").unwrap_err().contains("internal subset"));
    }
}
