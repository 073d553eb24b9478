//! Filters: turning a value read from a response into the value a capture keeps (a token cut
//! out of a header with a regex, the first of a list, a number read from text), in order, as
//! Hurl's filters do. A filter that cannot apply says why, and the capture has no value.

use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One step of turning a value into another.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Filter {
    /// The first group of the regular expression's first match in the text (the whole match
    /// when it has no group).
    Regex(String),
    /// The item at this index of a list (from the end when negative).
    Nth(i64),
    /// The text split at each occurrence of this separator, as a list.
    Split(String),
    /// `[OLD, NEW]`: every occurrence of the text OLD replaced by NEW.
    Replace(Vec<String>),
    /// The number of items of a list (or characters of a text).
    Count,
    First,
    Last,
    /// Text (or a number) as a whole number.
    ToInt,
    /// Text (or a number) as a number.
    ToFloat,
    /// A number, boolean or text as text.
    ToString,
    UrlDecode,
    UrlEncode,
    /// `&amp;`, `&lt;`, `&#39;`... as the characters they stand for.
    HtmlUnescape,
    /// Text read as a date with this strftime format (`%a, %d %b %Y %H:%M:%S GMT`), passed on
    /// as RFC 3339 text in UTC.
    ToDate(String),
    /// A date (as `to_date` gives it) written with this strftime format (`%Y`).
    Format(String),
    /// The whole days from a date to now.
    DaysBeforeNow,
    /// The whole days from now to a date.
    DaysAfterNow,
}

mod date;

pub use date::is_valid_format as is_valid_date_format;

/// Filters ready to apply: their patterns compiled.
#[derive(Debug, Clone, Default)]
pub struct Filters(Vec<(Filter, Option<Regex>)>);

impl Filters {
    /// Compiles `filters`; `Err` names the filter (by index) whose pattern or argument is bad.
    pub fn compile(filters: &[Filter]) -> Result<Filters, (usize, String)> {
        let mut compiled = Vec::with_capacity(filters.len());
        for (index, filter) in filters.iter().enumerate() {
            let regex = match filter {
                Filter::Regex(pattern) => {
                    Some(Regex::new(pattern).map_err(|e| (index, format!("invalid regular expression: {e}")))?)
                }
                Filter::Replace(pair) if pair.len() != 2 => {
                    return Err((index, "`replace` takes [OLD, NEW]".into()));
                }
                Filter::ToDate(format) | Filter::Format(format) if !date::is_valid_format(format) => {
                    return Err((index, format!("{format:?} is not a strftime format")));
                }
                _ => None,
            };
            compiled.push((filter.clone(), regex));
        }
        Ok(Filters(compiled))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `value` through every filter in order.
    pub fn apply(&self, mut value: Value) -> Result<Value, String> {
        for (filter, regex) in &self.0 {
            value = apply_one(filter, regex.as_ref(), value)?;
        }
        Ok(value)
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

fn apply_one(filter: &Filter, regex: Option<&Regex>, value: Value) -> Result<Value, String> {
    let name = || {
        serde_json::to_value(filter).ok().map_or_else(String::new, |v| match v {
            Value::String(name) => name,
            Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
            _ => String::new(),
        })
    };
    let text = || text_of(&value).ok_or_else(|| format!("`{}` needs text, got {value}", name()));
    let list = || value.as_array().cloned().ok_or_else(|| format!("`{}` needs a list, got {value}", name()));
    Ok(match filter {
        Filter::Regex(pattern) => {
            let text = text()?;
            let regex = regex.expect("compiled with the filter");
            let found =
                regex.captures(&text).ok_or_else(|| format!("`regex` /{pattern}/ matches nothing in {text:?}"))?;
            let group = found.get(1).or_else(|| found.get(0)).map_or("", |m| m.as_str());
            Value::String(group.to_string())
        }
        Filter::Nth(index) => {
            let items = list()?;
            let at = if *index < 0 { items.len() as i64 + index } else { *index };
            let at = usize::try_from(at).ok().filter(|at| *at < items.len());
            at.map(|at| items[at].clone())
                .ok_or_else(|| format!("`nth` {index} is out of a list of {}", items.len()))?
        }
        Filter::First | Filter::Last => {
            let items = list()?;
            let item = if *filter == Filter::First { items.first() } else { items.last() };
            item.cloned().ok_or_else(|| format!("`{}` of an empty list", name()))?
        }
        Filter::Split(separator) => Value::from(text()?.split(separator.as_str()).map(Value::from).collect::<Vec<_>>()),
        Filter::Replace(pair) => Value::String(text()?.replace(&pair[0], &pair[1])),
        Filter::Count => match &value {
            Value::Array(items) => Value::from(items.len()),
            Value::String(text) => Value::from(text.chars().count()),
            other => return Err(format!("`count` needs a list, got {other}")),
        },
        // As Hurl's `toInt`: a number loses its fraction (1.6 is 1); text must be a whole number.
        Filter::ToInt => match &value {
            Value::Number(number) => match number.as_i64() {
                Some(whole) => Value::from(whole),
                None => Value::from(number.as_f64().filter(|f| f.is_finite()).ok_or("`to_int`: too large")? as i64),
            },
            _ => {
                let text = text()?;
                Value::from(text.parse::<i64>().map_err(|_| format!("`to_int`: {text:?} is not a whole number"))?)
            }
        },
        Filter::ToFloat => {
            let text = text()?;
            let number = text.trim().parse::<f64>().map_err(|_| format!("`to_float`: {text:?} is not a number"))?;
            serde_json::Number::from_f64(number).map(Value::Number).ok_or("`to_float`: not a finite number")?
        }
        Filter::ToString => Value::String(text()?),
        Filter::ToDate(format) => Value::String(date::to_date(&text()?, format)?),
        Filter::Format(format) => Value::String(date::format(&text()?, format)?),
        Filter::DaysBeforeNow | Filter::DaysAfterNow => {
            Value::from(date::days_from_now(&text()?, *filter == Filter::DaysBeforeNow)?)
        }
        Filter::UrlDecode => {
            let text = text()?;
            Value::String(percent_encoding::percent_decode_str(&text).decode_utf8_lossy().into_owned())
        }
        Filter::UrlEncode => {
            let text = text()?;
            Value::String(url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20"))
        }
        Filter::HtmlUnescape => Value::String(html_unescape(&text()?)),
    })
}

/// The HTML character references: the five named ones, and numeric `&#NN;` / `&#xHH;`.
fn html_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // A numeric reference may end without its `;`, as HTML parsers read it (`&#65 foo`).
        let numeric_end = after.strip_prefix("&#").map(|digits| {
            let hex = digits.starts_with(['x', 'X']);
            let body = if hex { &digits[1..] } else { digits };
            let length = body.find(|c: char| !(if hex { c.is_ascii_hexdigit() } else { c.is_ascii_digit() }));
            2 + usize::from(hex) + length.unwrap_or(body.len())
        });
        let (end, skip) = match (numeric_end, after.find(';').filter(|end| *end <= 10)) {
            (Some(end), _) => (end, usize::from(after[end..].starts_with(';'))),
            (None, Some(end)) => (end, 1),
            (None, None) => {
                out.push('&');
                rest = &after[1..];
                continue;
            }
        };
        let entity = &after[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[end + skip..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(filters: Value, value: Value) -> Result<Value, String> {
        let filters: Vec<Filter> = serde_json::from_value(filters).unwrap();
        Filters::compile(&filters).unwrap().apply(value)
    }

    #[test]
    fn filters_turn_values_in_order() {
        assert_eq!(run(json!([{"regex": "id=(\\d+)"}, "to_int"]), json!("/items?id=42&x=1")), Ok(json!(42)));
        assert_eq!(run(json!([{"regex": "\\d+"}]), json!("abc 7 d")), Ok(json!("7")));
        assert_eq!(run(json!([{"split": ", "}, {"nth": 1}]), json!("a, b, c")), Ok(json!("b")));
        assert_eq!(run(json!([{"nth": -1}]), json!([1, 2, 3])), Ok(json!(3)));
        assert_eq!(run(json!(["first"]), json!([1, 2])), Ok(json!(1)));
        assert_eq!(run(json!(["count"]), json!([1, 2])), Ok(json!(2)));
        assert_eq!(run(json!([{"replace": ["-", "+"]}]), json!("a-b-c")), Ok(json!("a+b+c")));
        assert_eq!(run(json!(["to_float"]), json!("1.5")), Ok(json!(1.5)));
        assert_eq!(run(json!(["to_string"]), json!(12)), Ok(json!("12")));
        assert_eq!(run(json!(["url_decode"]), json!("a%20b%2Fc")), Ok(json!("a b/c")));
        assert_eq!(run(json!(["url_encode"]), json!("a b/c")), Ok(json!("a%20b%2Fc")));
        assert_eq!(
            run(json!(["html_unescape"]), json!("a &amp; b &#39;c&#x27; &lt;&gt; &nope;")),
            Ok(json!("a & b 'c' <> &nope;"))
        );
        assert_eq!(run(json!(["html_unescape"]), json!("&#65 foo &#x42;&#x43 &#66 a;")), Ok(json!("A foo BC B a;")));
        assert_eq!(run(json!(["to_int"]), json!(1.6)), Ok(json!(1)));
        assert_eq!(run(json!(["to_int"]), json!(-1.6)), Ok(json!(-1)));
        assert_eq!(run(json!(["to_int"]), json!("123")), Ok(json!(123)));
    }

    #[test]
    fn a_filter_that_cannot_apply_says_why() {
        assert_eq!(
            run(json!([{"regex": "x(\\d)"}]), json!("abc")),
            Err("`regex` /x(\\d)/ matches nothing in \"abc\"".into())
        );
        assert_eq!(run(json!([{"nth": 5}]), json!([1])), Err("`nth` 5 is out of a list of 1".into()));
        assert_eq!(run(json!(["to_int"]), json!("1.5")), Err("`to_int`: \"1.5\" is not a whole number".into()));
        assert!(run(json!(["first"]), json!("text")).unwrap_err().contains("needs a list"));
        let bad: Vec<Filter> = serde_json::from_value(json!([{"regex": "("}])).unwrap();
        assert_eq!(Filters::compile(&bad).unwrap_err().0, 0);
    }
}
