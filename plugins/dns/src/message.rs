//! DNS messages (RFC 1035): a question written, an answer read, names decompressed.

use serde_json::{Value, json};

const TYPES: [(&str, u16); 7] = [("A", 1), ("NS", 2), ("CNAME", 5), ("SOA", 6), ("MX", 15), ("TXT", 16), ("AAAA", 28)];

pub fn type_code(name: &str) -> Option<u16> {
    TYPES.iter().find(|(known, _)| *known == name).map(|(_, code)| *code)
}

fn type_name(code: u16) -> String {
    TYPES.iter().find(|(_, known)| *known == code).map_or_else(|| format!("TYPE{code}"), |(name, _)| name.to_string())
}

pub fn rcode_name(code: u8) -> String {
    let names = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];
    names.get(usize::from(code)).map_or_else(|| format!("RCODE{code}"), |name| name.to_string())
}

/// A standard query for `name`'s records of type `code`, recursion desired.
pub fn query(id: u16, name: &str, code: u16) -> Result<Vec<u8>, String> {
    let mut message = id.to_be_bytes().to_vec();
    message.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.').filter(|l| !l.is_empty()) {
        if label.len() > 63 {
            return Err(format!("`{label}` is longer than a DNS label may be"));
        }
        message.push(label.len() as u8);
        message.extend_from_slice(label.as_bytes());
    }
    message.push(0);
    message.extend_from_slice(&code.to_be_bytes());
    message.extend_from_slice(&1u16.to_be_bytes());
    Ok(message)
}

pub struct Answer {
    pub rcode: u8,
    pub authoritative: bool,
    pub truncated: bool,
    pub records: Vec<Value>,
}

/// Reads an answer: its flags and its answer section.
pub fn parse(message: &[u8]) -> Result<Answer, String> {
    let short = || "the answer is cut short".to_string();
    let word = |at: usize| message.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]])).ok_or_else(short);
    let flags = word(2)?;
    let (questions, answers) = (word(4)?, word(6)?);
    let mut at = 12;
    for _ in 0..questions {
        at = name(message, at)?.1 + 4;
    }
    let mut records = Vec::new();
    for _ in 0..answers {
        let (owner, next) = name(message, at)?;
        let (kind, length) = (word(next)?, usize::from(word(next + 8)?));
        let ttl =
            message.get(next + 4..next + 8).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])).ok_or_else(short)?;
        let start = next + 10;
        let data = message.get(start..start + length).ok_or_else(short)?;
        records.push(
            json!({ "name": owner, "type": type_name(kind), "ttl": ttl, "data": rdata(message, kind, start, data)? }),
        );
        at = start + length;
    }
    Ok(Answer {
        rcode: (flags & 0x000f) as u8,
        authoritative: flags & 0x0400 != 0,
        truncated: flags & 0x0200 != 0,
        records,
    })
}

fn rdata(message: &[u8], kind: u16, start: usize, data: &[u8]) -> Result<Value, String> {
    let word = |at: usize| message.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    Ok(match (kind, data.len()) {
        (1, 4) => json!(std::net::Ipv4Addr::new(data[0], data[1], data[2], data[3]).to_string()),
        (28, 16) => json!(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(data).expect("16 bytes")).to_string()),
        (2 | 5, _) => json!(name(message, start)?.0),
        (15, _) => {
            json!({ "preference": u16::from_be_bytes([data[0], data[1]]), "exchange": name(message, start + 2)?.0 })
        }
        (16, _) => {
            let mut text = String::new();
            let mut at = 0;
            while let Some(&length) = data.get(at) {
                let piece = data.get(at + 1..at + 1 + usize::from(length)).ok_or("a TXT string is cut short")?;
                text.push_str(&String::from_utf8_lossy(piece));
                at += 1 + usize::from(length);
            }
            json!(text)
        }
        (6, _) => {
            let (mname, next) = name(message, start)?;
            let (rname, next) = name(message, next)?;
            let field = |i: usize| word(next + 4 * i).ok_or("an SOA record is cut short");
            json!({ "mname": mname, "rname": rname, "serial": field(0)?, "refresh": field(1)?,
                    "retry": field(2)?, "expire": field(3)?, "minimum": field(4)? })
        }
        _ => json!(data.iter().map(|b| format!("{b:02x}")).collect::<String>()),
    })
}

/// The name at `at` (following compression pointers) and where the bytes after it start.
fn name(message: &[u8], mut at: usize) -> Result<(String, usize), String> {
    let mut labels = Vec::new();
    let mut end = None;
    for _ in 0..128 {
        let length = *message.get(at).ok_or("a name is cut short")?;
        match length {
            0 => {
                return Ok((labels.join("."), end.unwrap_or(at + 1)));
            }
            l if l & 0xc0 == 0xc0 => {
                let low = *message.get(at + 1).ok_or("a name is cut short")?;
                end.get_or_insert(at + 2);
                at = usize::from(u16::from_be_bytes([l & 0x3f, low]));
            }
            l => {
                let label = message.get(at + 1..at + 1 + usize::from(l)).ok_or("a name is cut short")?;
                labels.push(String::from_utf8_lossy(label).into_owned());
                at += 1 + usize::from(l);
            }
        }
    }
    Err("a name loops".into())
}
