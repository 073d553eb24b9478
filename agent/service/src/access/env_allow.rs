//! Which of the agent's environment variables definitions may read (`@{{env.NAME}}`): those
//! the operator allows with `--env-allow` patterns (`SHOP_*`, `SLACK_WEBHOOK`), or, with no
//! pattern given, any; never the agent's own (`SKOPOS_*`: its token, its primary's token, its
//! SMTP credentials). Runs see only allowed variables, and a definition that names another is
//! refused when it is saved, so an editor cannot make a collection send the agent's
//! credentials somewhere.

/// The agent's own variables: never readable by definitions.
pub const NEVER: &str = "SKOPOS_";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvAllow {
    /// `None`: any variable but the agent's own.
    patterns: Option<Vec<String>>,
}

impl EnvAllow {
    /// From `--env-allow` values, each a comma-separated list of patterns (`*` matches any run
    /// of characters); none given allows any variable but the agent's own.
    pub fn new(values: &[String]) -> EnvAllow {
        let patterns: Vec<String> = values
            .iter()
            .flat_map(|value| value.split(','))
            .map(|pattern| pattern.trim().to_string())
            .filter(|pattern| !pattern.is_empty())
            .collect();
        EnvAllow { patterns: (!patterns.is_empty()).then_some(patterns) }
    }

    pub fn allows(&self, name: &str) -> bool {
        if name.starts_with(NEVER) {
            return false;
        }
        match &self.patterns {
            None => true,
            Some(patterns) => patterns.iter().any(|pattern| glob(pattern, name)),
        }
    }

    /// The patterns as the operator wrote them (`["SHOP_*"]`), or `None` for any.
    pub fn patterns(&self) -> Option<&[String]> {
        self.patterns.as_deref()
    }

    /// Why `name` may not be read, for an error naming it.
    pub fn refusal(&self, name: &str) -> String {
        if name.starts_with(NEVER) {
            return format!("`env.{name}` is the agent's own: definitions never read `{NEVER}*` variables");
        }
        let allowed = self.patterns.as_deref().unwrap_or_default().join(", ");
        format!("`env.{name}` is not among the variables this agent lets definitions read (--env-allow {allowed})")
    }
}

/// Whether `name` matches `pattern`, where `*` matches any run of characters.
fn glob(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_allow_names_and_the_agents_own_are_never_read() {
        let any = EnvAllow::new(&[]);
        assert!(any.allows("SHOP_PASSWORD") && !any.allows("SKOPOS_TOKEN") && !any.allows("SKOPOS_PRIMARY_TOKEN"));
        let some = EnvAllow::new(&["SHOP_*, SLACK_WEBHOOK".into(), "*_KEY".into()]);
        assert!(some.allows("SHOP_USER") && some.allows("SLACK_WEBHOOK") && some.allows("PD_ROUTING_KEY"));
        assert!(!some.allows("SLACK_WEBHOOK_2") && !some.allows("HOME") && !some.allows("SKOPOS_KEY"));
        assert!(glob("A*B*C", "AxxByyC") && !glob("A*B*C", "AxxCyyB") && glob("*", "") && !glob("AB*B", "AB"));
        assert!(some.refusal("HOME").contains("--env-allow SHOP_*, SLACK_WEBHOOK, *_KEY"));
    }
}
