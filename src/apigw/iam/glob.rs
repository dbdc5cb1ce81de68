//! IAM resource patterns: `*` any run of characters (including none and `/`), `?` exactly one.

use super::automaton::{Alphabet, Bytes, Dfa, Nfa, TooLarge};

/// Whether IAM matches `pattern` to `text`. On bytes: a `?` then matches one byte, not one
/// character, which only matters for non-ASCII text, where it makes a match less likely.
pub(crate) fn iam_glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        // A `*` is a wildcard even where the text holds a `*`: tried first, it stays one.
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

/// Whether IAM reads `text` in a `Resource` as itself: no wildcard (`*`, `?`) and no policy
/// variable (`${…}`).
pub(crate) fn is_iam_literal(text: &str) -> bool {
    !text.contains(['*', '?']) && !text.contains("${")
}

/// The automaton of the union of `patterns`.
pub(crate) fn globs_dfa<'a>(
    alphabet: &Alphabet,
    patterns: impl IntoIterator<Item = &'a str>,
) -> Result<Dfa, TooLarge> {
    let mut nfa = Nfa::default();
    let (start, end) = (nfa.state(), nfa.state());
    let any = Bytes::all_but(&[]);
    for pattern in patterns {
        let from = nfa.state();
        nfa.empty_move(start, from);
        let to = pattern.bytes().fold(from, |at, byte| match byte {
            b'*' => {
                // A state of its own, so that the loop stays within this pattern.
                let star = nfa.state();
                nfa.empty_move(at, star);
                nfa.edge(star, any, star);
                star
            }
            b'?' => {
                let to = nfa.state();
                nfa.edge(at, any, to);
                to
            }
            byte => nfa.text(at, &[byte]),
        });
        nfa.empty_move(to, end);
        if pattern.ends_with('*') {
            nfa.accept_everything_from(to);
        }
    }
    nfa.determinize(alphabet, start, end)
}

/// The automaton of one pattern.
pub(crate) fn glob_dfa(alphabet: &Alphabet, pattern: &str) -> Result<Dfa, TooLarge> {
    globs_dfa(alphabet, [pattern])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(p: &[u8], t: &[u8]) -> bool {
        match (p.split_first(), t.split_first()) {
            (None, _) => t.is_empty(),
            (Some((b'*', rest)), _) => {
                reference(rest, t) || (!t.is_empty() && reference(p, &t[1..]))
            }
            (Some((c, rest)), Some((d, tail))) => (*c == b'?' || c == d) && reference(rest, tail),
            (Some(_), None) => false,
        }
    }

    /// Against the definition, recursively, for every pattern and text of up to 5 characters
    /// over `a`, `/`, `*` and `?`; the automaton too.
    #[test]
    fn iam_glob_and_its_automaton_match_by_definition() {
        let mut all = vec![String::new()];
        for len in 1..=5 {
            let longer: Vec<String> = all
                .iter()
                .filter(|s| s.len() == len - 1)
                .flat_map(|s| ["a", "/", "*", "?"].map(|c| format!("{s}{c}")))
                .collect();
            all.extend(longer);
        }
        let alphabet = Alphabet::new(*b"a/*?");
        for p in &all {
            let dfa = glob_dfa(&alphabet, p).unwrap();
            for t in &all {
                let want = reference(p.as_bytes(), t.as_bytes());
                assert_eq!(iam_glob(p, t), want, "{p:?} {t:?}");
                assert_eq!(dfa.matches(&alphabet, t.as_bytes()), want, "{p:?} {t:?}");
            }
        }
    }

    #[test]
    fn iam_glob_matches_like_api_gateway() {
        assert!(iam_glob("a/GET/pets/*", "a/GET/pets/1"));
        assert!(iam_glob("a/GET/pets/*", "a/GET/pets/1/secrets"));
        assert!(iam_glob("a/GET/pets/*", "a/GET/pets/"));
        assert!(!iam_glob("a/GET/pets/?*", "a/GET/pets/"));
        assert!(iam_glob("a/*/pets", "a/DELETE/pets"));
        assert!(iam_glob("a/GET/p?ts", "a/GET/pets"));
        assert!(!iam_glob("a/GET/pets/*", "a/GET/pets"));
        assert!(!iam_glob("a/GET/pets", "a/GET/pets/1"));
        assert!(iam_glob("*", ""));
        assert!(!iam_glob("", "a"));
        // A `*` in the text is just a character to the pattern's `*`.
        assert!(iam_glob("a/GET/pets/*", "a/GET/pets/*/x"));
        assert!(!iam_glob("a/GET/x", "a/GET/*"));
    }
}
