//! JavaScript regular expression literals (`/^ok$/i`) as the agent's patterns (Rust's
//! `regex`), meaning exactly what JavaScript means or refused with the reason: `\d`, `\w` and
//! `\b` are ASCII in JavaScript (Unicode in Rust), `.` stops at every line terminator, and
//! lookaround and back-references have no equivalent.

/// `/pattern/flags` split into its pattern and flags.
pub fn literal(text: &str) -> Option<(&str, &str)> {
    let rest = text.trim().strip_prefix('/')?;
    let end = rest.rfind('/')?;
    let (pattern, flags) = (&rest[..end], &rest[end + 1..]);
    (!pattern.is_empty() && flags.chars().all(|f| "dgimsuy".contains(f))).then_some((pattern, flags))
}

/// The pattern for the `matches` operator, which finds the pattern anywhere in the text, as
/// `RegExp.prototype.test` and chai's `.match` do.
pub fn translate(pattern: &str, flags: &str) -> Result<String, String> {
    if flags.contains('y') {
        return Err("the sticky flag `y` has no equivalent".into());
    }
    let dot_all = flags.contains('s');
    let mut out = String::new();
    if flags.contains('i') {
        out.push_str("(?i)");
    }
    if flags.contains('m') {
        out.push_str("(?m)");
    }
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped = chars.next().ok_or("a pattern ending in `\\`")?;
                out.push_str(&escape(escaped, in_class, &mut chars)?);
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&']') {
                    return Err("`[]` (matching nothing) has no equivalent".into());
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '.' if !in_class && !dot_all => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            '(' if !in_class && chars.peek() == Some(&'?') => {
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with("?=")
                    || rest.starts_with("?!")
                    || rest.starts_with("?<=")
                    || rest.starts_with("?<!")
                {
                    return Err("lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) has no equivalent".into());
                }
                out.push('(');
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

fn escape(c: char, in_class: bool, rest: &mut std::iter::Peekable<std::str::Chars>) -> Result<String, String> {
    Ok(match (c, in_class) {
        ('d', false) => "[0-9]".into(),
        ('d', true) => "0-9".into(),
        ('w', false) => "[0-9A-Za-z_]".into(),
        ('w', true) => "0-9A-Za-z_".into(),
        ('D', false) => "[^0-9]".into(),
        ('W', false) => "[^0-9A-Za-z_]".into(),
        ('D' | 'W', true) => return Err(format!("`\\{c}` inside a class has no equivalent")),
        ('b', false) => r"(?-u:\b)".into(),
        ('B', false) => r"(?-u:\B)".into(),
        ('b', true) => r"\x08".into(),
        ('u', _) => {
            let hex: String = rest.take(4).collect();
            if hex.len() != 4 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                return Err("a `\\u` escape without four hex digits".into());
            }
            format!(r"\x{{{hex}}}")
        }
        ('c' | 'k', _) => return Err(format!("`\\{c}` has no equivalent")),
        ('1'..='9', _) => return Err("back-references have no equivalent".into()),
        ('0', _) => r"\x00".into(),
        // Letters keep their meaning (`\s`, `\n`, `\t`, `\x41`); punctuation is itself.
        (c, _) if c.is_ascii_alphabetic() => format!("\\{c}"),
        (c, _) => regex_syntax_escape(c),
    })
}

fn regex_syntax_escape(c: char) -> String {
    let text = c.to_string();
    regex::escape(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_mean_what_javascript_means() {
        assert_eq!(literal("/^ok$/i"), Some(("^ok$", "i")));
        assert_eq!(literal("/a\\/b/"), Some(("a\\/b", "")));
        assert_eq!(literal("\"text\""), None);
        assert_eq!(translate("^ok$", "i").unwrap(), "(?i)^ok$");
        assert_eq!(translate(r"\d+ items", "").unwrap(), "[0-9]+ items");
        assert_eq!(translate(r"[\w-]+", "").unwrap(), "[0-9A-Za-z_-]+");
        assert_eq!(translate(r"a\/b", "").unwrap(), "a/b");
        assert_eq!(translate(r"\u00e9", "").unwrap(), r"\x{00e9}");
        assert_eq!(translate("a.b", "").unwrap(), r"a[^\n\r\x{2028}\x{2029}]b");
        assert_eq!(translate("a.b", "s").unwrap(), "a.b");
        for (pattern, flags) in [("a(?=b)", ""), (r"(a)\1", ""), ("a", "y"), ("[]", "")] {
            assert!(translate(pattern, flags).is_err(), "{pattern}");
        }
        let ascii = regex::Regex::new(&translate(r"^\w+$", "").unwrap()).unwrap();
        assert!(ascii.is_match("abc_1") && !ascii.is_match("café"));
    }
}
