//! Monitor dependencies (`depends_on`) must not go round in a circle: a cycle is refused when
//! the definitions are saved, naming the monitors in it.

use std::collections::HashMap;

/// The first cycle among `monitors` (name, the names it depends on), as the names in order
/// with the first repeated at the end: `["a", "b", "a"]`. Names that are no monitor are
/// left alone (a dependency may be defined later).
pub fn find_cycle<'a>(monitors: impl IntoIterator<Item = (&'a str, &'a [String])>) -> Option<Vec<String>> {
    let graph: HashMap<&str, &[String]> = monitors.into_iter().collect();
    let mut names: Vec<&str> = graph.keys().copied().collect();
    names.sort_unstable();
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    let mut marks: HashMap<&str, Mark> = HashMap::new();
    fn visit<'a>(
        name: &'a str,
        graph: &HashMap<&'a str, &'a [String]>,
        marks: &mut HashMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(name) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = path.iter().position(|n| *n == name).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..].iter().map(|n| n.to_string()).collect();
                cycle.push(name.to_string());
                return Some(cycle);
            }
            None => {}
        }
        let depends_on = graph.get(name)?;
        marks.insert(name, Mark::Visiting);
        path.push(name);
        for dependency in depends_on.iter() {
            if let Some(cycle) = visit(dependency.as_str(), graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(name, Mark::Done);
        None
    }
    names.iter().find_map(|name| visit(name, &graph, &mut marks, &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(monitors: &[(&str, &[&str])]) -> Option<Vec<String>> {
        let owned: Vec<(String, Vec<String>)> = monitors
            .iter()
            .map(|(name, deps)| (name.to_string(), deps.iter().map(|d| d.to_string()).collect()))
            .collect();
        find_cycle(owned.iter().map(|(name, deps)| (name.as_str(), deps.as_slice())))
    }

    #[test]
    fn cycles_are_found_and_named() {
        assert_eq!(cycle(&[("a", &["b"]), ("b", &["c"]), ("c", &[])]), None);
        assert_eq!(cycle(&[("a", &["b"]), ("b", &["a"])]), Some(vec!["a".into(), "b".into(), "a".into()]));
        assert_eq!(
            cycle(&[("shop", &["edge"]), ("edge", &["dns"]), ("dns", &["edge"])]),
            Some(vec!["dns".into(), "edge".into(), "dns".into()])
        );
        // A dependency on a monitor not (yet) defined is no cycle.
        assert_eq!(cycle(&[("a", &["nowhere"])]), None);
        // Diamonds are fine.
        assert_eq!(cycle(&[("a", &["b", "c"]), ("b", &["d"]), ("c", &["d"]), ("d", &[])]), None);
    }
}
