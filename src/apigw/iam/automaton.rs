//! Deterministic finite automata over bytes: just enough to tell whether a boolean combination
//! of regular languages is empty, and to name its shortest member when it is not. Every
//! automaton of one check shares one [`Alphabet`], so they step together.

use std::collections::{BTreeMap, VecDeque};

/// Automata with more states are not built: the caller narrows its answer instead (fails
/// closed). Policies of hundreds of routes stay far below it.
pub(crate) const MAX_STATES: usize = 50_000;

/// An automaton would exceed [`MAX_STATES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

/// The bytes the automata of one check tell apart: each byte named by a pattern, literal or
/// decoding rule is a class of its own, and every other byte shares one class.
#[derive(Debug, Clone)]
pub(crate) struct Alphabet {
    class_of: [u8; 256],
    /// One byte of each class, the one a witness shows.
    members: Vec<u8>,
}

impl Alphabet {
    /// An alphabet that tells apart the bytes of `named` (and groups all others).
    pub(crate) fn new(named: impl IntoIterator<Item = u8>) -> Self {
        let mut is_named = [false; 256];
        for byte in named {
            is_named[usize::from(byte)] = true;
        }
        let mut class_of = [0u8; 256];
        let mut members = Vec::new();
        for (byte, named) in (0..=255u8).zip(is_named) {
            if named {
                class_of[usize::from(byte)] = class_index(members.len());
                members.push(byte);
            }
        }
        // The others: shown as a readable letter where one is left.
        let other = b"xqzjkvwy"
            .iter()
            .copied()
            .find(|b| !is_named[usize::from(*b)]);
        let other = other.or_else(|| (0..=255u8).find(|b| !is_named[usize::from(*b)]));
        if let Some(other) = other {
            let class = class_index(members.len());
            members.push(other);
            for (byte, named) in (0..=255u8).zip(is_named) {
                if !named {
                    class_of[usize::from(byte)] = class;
                }
            }
        }
        Self { class_of, members }
    }

    fn class(&self, byte: u8) -> usize {
        usize::from(self.class_of[usize::from(byte)])
    }

    fn width(&self) -> usize {
        self.members.len()
    }
}

/// At most 256 classes: one per byte value.
fn class_index(index: usize) -> u8 {
    u8::try_from(index).unwrap_or(u8::MAX)
}

/// A complete deterministic automaton over an [`Alphabet`]; state 0 is the start.
#[derive(Debug, Clone)]
pub(crate) struct Dfa {
    width: usize,
    next: Vec<u32>,
    accept: Vec<bool>,
}

impl Dfa {
    /// The state reached from `state` by `byte`.
    pub(crate) fn step(&self, alphabet: &Alphabet, state: u32, byte: u8) -> u32 {
        self.next[state as usize * self.width + alphabet.class(byte)]
    }

    /// The state reached from `state` by `bytes`.
    pub(crate) fn run(&self, alphabet: &Alphabet, state: u32, bytes: &[u8]) -> u32 {
        bytes
            .iter()
            .fold(state, |state, byte| self.step(alphabet, state, *byte))
    }

    pub(crate) fn accepts(&self, state: u32) -> bool {
        self.accept[state as usize]
    }

    /// Whether no word leads from `state` to acceptance, as far as one look tells: exact for
    /// minimized automata, whose only such state loops to itself on every byte.
    pub(crate) fn is_dead(&self, state: u32) -> bool {
        let at = state as usize * self.width;
        !self.accepts(state) && self.next[at..at + self.width].iter().all(|t| *t == state)
    }

    /// Whether `bytes` is in the language.
    #[cfg(test)]
    pub(crate) fn matches(&self, alphabet: &Alphabet, bytes: &[u8]) -> bool {
        self.accepts(self.run(alphabet, 0, bytes))
    }

    /// Number of states.
    pub(crate) fn len(&self) -> usize {
        self.accept.len()
    }

    /// The automaton of `accept` over the states reachable from `start` by `step`, which
    /// every byte of a class must treat alike: the subset construction, a product, or any
    /// other deterministic machine.
    pub(crate) fn build<S: Clone + Ord>(
        alphabet: &Alphabet,
        start: S,
        step: impl Fn(&S, u8) -> S,
        accept: impl Fn(&S) -> bool,
    ) -> Result<Self, TooLarge> {
        Self::build_with(alphabet, start, step, accept, BTreeMap::new())
    }

    /// [`Dfa::build`], with the states seen so far kept in `ids`.
    pub(crate) fn build_with<S: Clone>(
        alphabet: &Alphabet,
        start: S,
        step: impl Fn(&S, u8) -> S,
        accept: impl Fn(&S) -> bool,
        mut ids: impl StateIds<S>,
    ) -> Result<Self, TooLarge> {
        let width = alphabet.width();
        let mut states = vec![start.clone()];
        ids.insert(start, 0);
        let (mut next, mut accepting) = (Vec::new(), Vec::new());
        let mut at = 0;
        while at < states.len() {
            let state = states[at].clone();
            accepting.push(accept(&state));
            for &byte in &alphabet.members {
                let target = step(&state, byte);
                let id = if let Some(id) = ids.id(&target) {
                    id
                } else {
                    if states.len() >= MAX_STATES {
                        return Err(TooLarge);
                    }
                    let id = u32::try_from(states.len()).map_err(|_| TooLarge)?;
                    ids.insert(target.clone(), id);
                    states.push(target);
                    id
                };
                next.push(id);
            }
            at += 1;
        }
        Ok(Self {
            width,
            next,
            accept: accepting,
        })
    }

    /// The product of `parts`, each from its own start state, accepting where `accept` says so
    /// of the parts' acceptance; minimized.
    pub(crate) fn combine(
        alphabet: &Alphabet,
        parts: &[(&Dfa, u32)],
        accept: impl Fn(&[bool]) -> bool,
    ) -> Result<Self, TooLarge> {
        let start: Vec<u32> = parts.iter().map(|(_, s)| *s).collect();
        let step = |states: &Vec<u32>, byte| {
            parts
                .iter()
                .zip(states)
                .map(|((dfa, _), s)| dfa.step(alphabet, *s, byte))
                .collect()
        };
        let accepts = |states: &Vec<u32>| accept(&acceptance(parts, states));
        let size = parts
            .iter()
            .try_fold(1usize, |size, (dfa, _)| size.checked_mul(dfa.len()))
            .filter(|size| *size <= MAX_DENSE);
        let product = match size {
            Some(size) => {
                let key = |states: &Vec<u32>| {
                    parts
                        .iter()
                        .zip(states)
                        .fold(0, |key, ((dfa, _), s)| key * dfa.len() + *s as usize)
                };
                Self::build_with(alphabet, start, step, accepts, Dense::new(size, key))
            }
            None => Self::build(alphabet, start, step, accepts),
        }?;
        Ok(product.minimized())
    }

    /// The automaton of the same language with the fewest states (all states are reachable,
    /// as [`Dfa::build`] makes them); its start is still state 0.
    pub(crate) fn minimized(&self) -> Self {
        let (block, blocks) = super::partition::blocks(self.width, &self.next, &self.accept);
        let mut next = vec![0; blocks * self.width];
        let mut accept = vec![false; blocks];
        for (state, row) in self.next.chunks_exact(self.width).enumerate() {
            let b = block[state] as usize;
            accept[b] = self.accept[state];
            for (slot, target) in next[b * self.width..].iter_mut().zip(row) {
                *slot = block[*target as usize];
            }
        }
        Self {
            width: self.width,
            next,
            accept,
        }
    }
}

/// Where [`Dfa::build_with`] keeps the id of each state it has seen.
pub(crate) trait StateIds<S> {
    fn id(&self, state: &S) -> Option<u32>;
    fn insert(&mut self, state: S, id: u32);
}

impl<S: Ord> StateIds<S> for BTreeMap<S, u32> {
    fn id(&self, state: &S) -> Option<u32> {
        self.get(state).copied()
    }

    fn insert(&mut self, state: S, id: u32) {
        BTreeMap::insert(self, state, id);
    }
}

/// Above this many possible states, [`Dense`] is not used: its table would cost more than a
/// map of the states actually reached.
pub(crate) const MAX_DENSE: usize = 1 << 20;

/// Ids in a table, for states that `key` numbers below a bound known in advance (a product's
/// tuples, a state and a small tag): several times faster than a map, where it fits.
pub(crate) struct Dense<F> {
    key: F,
    table: Vec<u32>,
}

impl<F> Dense<F> {
    /// A table for keys below `size`.
    pub(crate) fn new(size: usize, key: F) -> Self {
        Self {
            key,
            table: vec![u32::MAX; size],
        }
    }
}

impl<S, F: Fn(&S) -> usize> StateIds<S> for Dense<F> {
    fn id(&self, state: &S) -> Option<u32> {
        let id = *self.table.get((self.key)(state))?;
        (id != u32::MAX).then_some(id)
    }

    fn insert(&mut self, state: S, id: u32) {
        // A key out of range is never found: the build then ends as too large (fails closed).
        if let Some(slot) = self.table.get_mut((self.key)(&state)) {
            *slot = id;
        }
    }
}

/// The shortest word accepted by the product of `parts` under `accept`, explored on the fly
/// (the product is never built whole); `None` when there is none. `accept` must require the
/// first part to accept: states where it is dead are not explored further.
pub(crate) fn shortest_word(
    alphabet: &Alphabet,
    parts: &[(&Dfa, u32)],
    accept: impl Fn(&[bool]) -> bool,
) -> Result<Option<Vec<u8>>, TooLarge> {
    let accepts = |states: &[u32]| accept(&acceptance(parts, states));
    let start: Vec<u32> = parts.iter().map(|(_, s)| *s).collect();
    // Each state: how it was reached (the state before it, and the byte).
    let mut seen: BTreeMap<Vec<u32>, Option<(Vec<u32>, u8)>> = BTreeMap::new();
    seen.insert(start.clone(), None);
    let mut queue = VecDeque::from([start]);
    while let Some(states) = queue.pop_front() {
        if accepts(&states) {
            return Ok(Some(word_to(&seen, states)));
        }
        for &byte in &alphabet.members {
            let next: Vec<u32> = parts
                .iter()
                .zip(&states)
                .map(|((dfa, _), s)| dfa.step(alphabet, *s, byte))
                .collect();
            if !parts[0].0.is_dead(next[0]) && !seen.contains_key(&next) {
                if seen.len() >= MAX_STATES {
                    return Err(TooLarge);
                }
                seen.insert(next.clone(), Some((states.clone(), byte)));
                queue.push_back(next);
            }
        }
    }
    Ok(None)
}

/// Whether each part accepts in its state of `states`.
fn acceptance(parts: &[(&Dfa, u32)], states: &[u32]) -> Vec<bool> {
    parts
        .iter()
        .zip(states)
        .map(|((dfa, _), s)| dfa.accepts(*s))
        .collect()
}

fn word_to(seen: &BTreeMap<Vec<u32>, Option<(Vec<u32>, u8)>>, mut at: Vec<u32>) -> Vec<u8> {
    let mut word = Vec::new();
    while let Some(Some((before, byte))) = seen.get(&at) {
        word.push(*byte);
        at = before.clone();
    }
    word.reverse();
    word
}

/// A set of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bytes([u64; 4]);

impl Bytes {
    pub(crate) fn only(byte: u8) -> Self {
        let mut set = [0; 4];
        set[usize::from(byte >> 6)] |= 1 << (byte & 63);
        Self(set)
    }

    /// Every byte but those of `bytes`.
    pub(crate) fn all_but(bytes: &[u8]) -> Self {
        let mut set = [u64::MAX; 4];
        for byte in bytes {
            set[usize::from(byte >> 6)] &= !(1 << (byte & 63));
        }
        Self(set)
    }

    fn contains(self, byte: u8) -> bool {
        self.0[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0
    }
}

/// A nondeterministic automaton under construction: states with byte-set edges and empty
/// moves, made into a [`Dfa`] by [`Nfa::determinize`].
#[derive(Debug, Default)]
pub(crate) struct Nfa {
    edges: Vec<Vec<(Bytes, u32)>>,
    empty_moves: Vec<Vec<u32>>,
    /// States from which every word is accepted (a glob's final `*`).
    universal: Vec<u32>,
}

impl Nfa {
    /// A new state.
    pub(crate) fn state(&mut self) -> u32 {
        self.edges.push(Vec::new());
        self.empty_moves.push(Vec::new());
        u32::try_from(self.edges.len() - 1).unwrap_or(u32::MAX)
    }

    pub(crate) fn edge(&mut self, from: u32, on: Bytes, to: u32) {
        self.edges[from as usize].push((on, to));
    }

    pub(crate) fn empty_move(&mut self, from: u32, to: u32) {
        self.empty_moves[from as usize].push(to);
    }

    /// Declares that every word is accepted from `state` on: a set of states holding it then
    /// stands for all such sets, which keeps unions of globs from remembering which of them
    /// already matched (2^n sets for n globs, all alike).
    pub(crate) fn accept_everything_from(&mut self, state: u32) {
        self.universal.push(state);
    }

    /// A new state reached from `from` by `text`.
    pub(crate) fn text(&mut self, from: u32, text: &[u8]) -> u32 {
        text.iter().fold(from, |at, byte| {
            let to = self.state();
            self.edge(at, Bytes::only(*byte), to);
            to
        })
    }

    fn closure(&self, mut states: Vec<u32>) -> Vec<u32> {
        let mut at = 0;
        while at < states.len() {
            for &to in &self.empty_moves[states[at] as usize] {
                if !states.contains(&to) {
                    states.push(to);
                }
            }
            at += 1;
        }
        if let Some(universal) = self.universal.iter().find(|u| states.contains(u)) {
            return vec![*universal];
        }
        states.sort_unstable();
        states
    }

    /// The subset construction, from `start`, accepting at `end`.
    pub(crate) fn determinize(
        &self,
        alphabet: &Alphabet,
        start: u32,
        end: u32,
    ) -> Result<Dfa, TooLarge> {
        Dfa::build(
            alphabet,
            self.closure(vec![start]),
            |states, byte| {
                let mut next = Vec::new();
                for &state in states {
                    for (on, to) in &self.edges[state as usize] {
                        if on.contains(byte) && !next.contains(to) {
                            next.push(*to);
                        }
                    }
                }
                self.closure(next)
            },
            |states| {
                states.binary_search(&end).is_ok()
                    || self.universal.iter().any(|u| states.as_slice() == [*u])
            },
        )
        .map(|dfa| dfa.minimized())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a` then any number of `b`: built, combined with its complement, minimized.
    #[test]
    fn products_minimize_and_witness() {
        let alphabet = Alphabet::new(*b"ab");
        let mut nfa = Nfa::default();
        let start = nfa.state();
        let a = nfa.text(start, b"a");
        nfa.edge(a, Bytes::only(b'b'), a);
        let ab = nfa.determinize(&alphabet, start, a).unwrap();
        assert!(ab.matches(&alphabet, b"abbb") && !ab.matches(&alphabet, b"ba"));
        assert!(!ab.matches(&alphabet, b"axb"), "x is of the other class");
        // a, dead, start: three states once minimized.
        assert_eq!(ab.len(), 3);
        let none = Dfa::combine(&alphabet, &[(&ab, 0), (&ab, 0)], |f| f[0] && !f[1]).unwrap();
        assert_eq!(shortest_word(&alphabet, &[(&none, 0)], |f| f[0]), Ok(None));
        assert_eq!(
            shortest_word(&alphabet, &[(&ab, 0), (&none, 0)], |f| f[0] && !f[1]),
            Ok(Some(b"a".to_vec()))
        );
        let after_a = ab.run(&alphabet, 0, b"a");
        let two = Dfa::combine(&alphabet, &[(&ab, 0), (&ab, after_a)], |f| f[0] || f[1]).unwrap();
        // a b* or b*.
        assert!(two.matches(&alphabet, b"") && two.matches(&alphabet, b"ab"));
        assert!(two.matches(&alphabet, b"bb") && !two.matches(&alphabet, b"ba"));
    }
}
