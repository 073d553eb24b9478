//! XML as Postman's `xml2Json` gives it (xml2js with `explicitArray: false`, `trim: true`):
//! `{ root: { child: "text", many: ["a", "b"], withAttributes: { $: { id: "1" }, _: "text" } } }`.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

/// An element being read: its attributes, text and children so far.
#[derive(Default)]
struct Element {
    name: String,
    attributes: Map<String, Value>,
    text: String,
    children: Map<String, Value>,
}

impl Element {
    fn open(start: &BytesStart) -> Result<Element, String> {
        let mut element =
            Element { name: String::from_utf8_lossy(start.name().as_ref()).into_owned(), ..Element::default() };
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| e.to_string())?;
            let value = attribute.unescape_value().map_err(|e| e.to_string())?.into_owned();
            element
                .attributes
                .insert(String::from_utf8_lossy(attribute.key.as_ref()).into_owned(), Value::String(value));
        }
        Ok(element)
    }

    fn close(self) -> Value {
        let text = self.text.trim().to_string();
        if self.attributes.is_empty() && self.children.is_empty() {
            return Value::String(text);
        }
        let mut object = Map::new();
        if !self.attributes.is_empty() {
            object.insert("$".into(), Value::Object(self.attributes));
        }
        if !text.is_empty() {
            object.insert("_".into(), Value::String(text));
        }
        object.extend(self.children);
        Value::Object(object)
    }

    fn add(&mut self, name: String, value: Value) {
        match self.children.get_mut(&name) {
            Some(Value::Array(many)) => many.push(value),
            Some(one) => *one = Value::Array(vec![one.take(), value]),
            None => {
                self.children.insert(name, value);
            }
        }
    }
}

pub fn to_json(text: &str) -> Result<Value, String> {
    let mut reader = Reader::from_str(text);
    let mut open: Vec<Element> = vec![Element::default()];
    loop {
        match reader.read_event().map_err(|e| format!("XML: {e}"))? {
            Event::Start(start) => open.push(Element::open(&start)?),
            Event::Empty(start) => {
                let element = Element::open(&start)?;
                let name = element.name.clone();
                open.last_mut().ok_or("XML: unbalanced")?.add(name, element.close());
            }
            Event::End(_) => {
                let element = open.pop().ok_or("XML: unbalanced")?;
                let name = element.name.clone();
                open.last_mut().ok_or("XML: unbalanced")?.add(name, element.close());
            }
            Event::Text(content) => {
                let content = content.unescape().map_err(|e| e.to_string())?;
                if let Some(element) = open.last_mut() {
                    element.text.push_str(&content);
                }
            }
            Event::CData(content) => {
                if let Some(element) = open.last_mut() {
                    element.text.push_str(&String::from_utf8_lossy(&content));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let root = open.pop().filter(|_| open.is_empty()).ok_or("XML: an element is not closed")?;
    Ok(Value::Object(root.children))
}
