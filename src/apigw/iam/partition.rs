//! Hopcroft's minimization: the coarsest partition of a complete automaton's states that
//! keeps acceptance and every transition apart. Moore's refinement, which it replaces, passes
//! over every transition once per round, and a path of `n` segments takes `n` rounds: a cold
//! start's first answer spent most of its time there. This splits only the blocks a splitter
//! reaches, in O(n·w·log n) for `n` states over `w` byte classes.

/// States split into blocks, each block a run of `elements` with its marked states first.
struct Partition {
    elements: Vec<u32>,
    /// Where each state is in `elements`.
    location: Vec<u32>,
    block: Vec<u32>,
    /// Each block's run: `first..end`.
    first: Vec<u32>,
    end: Vec<u32>,
    /// How many states of each block are marked.
    marked: Vec<u32>,
    /// The blocks with a marked state.
    touched: Vec<u32>,
}

impl Partition {
    /// One block of `n` states.
    fn new(n: u32) -> Self {
        Self {
            elements: (0..n).collect(),
            location: (0..n).collect(),
            block: vec![0; n as usize],
            first: vec![0],
            end: vec![n],
            marked: vec![0],
            touched: Vec::new(),
        }
    }

    fn mark(&mut self, state: u32) {
        let block = self.block[state as usize] as usize;
        let at = self.location[state as usize];
        let front = self.first[block] + self.marked[block];
        if at < front {
            return;
        }
        let other = self.elements[front as usize];
        self.elements.swap(at as usize, front as usize);
        self.location[other as usize] = at;
        self.location[state as usize] = front;
        if self.marked[block] == 0 {
            self.touched.push(u32::try_from(block).unwrap_or(u32::MAX));
        }
        self.marked[block] += 1;
    }

    /// Splits each touched block into its marked and unmarked states, where it has both; the
    /// smaller part becomes a new block, handed to `created`.
    fn split(&mut self, mut created: impl FnMut(u32)) {
        while let Some(block) = self.touched.pop() {
            let block = block as usize;
            let (first, end) = (self.first[block], self.end[block]);
            let middle = first + std::mem::take(&mut self.marked[block]);
            if middle == end {
                continue;
            }
            let new = u32::try_from(self.first.len()).unwrap_or(u32::MAX);
            if middle - first <= end - middle {
                self.first.push(first);
                self.end.push(middle);
                self.first[block] = middle;
            } else {
                self.first.push(middle);
                self.end.push(end);
                self.end[block] = middle;
            }
            self.marked.push(0);
            for at in self.run(new as usize) {
                self.block[self.elements[at] as usize] = new;
            }
            created(new);
        }
    }

    fn run(&self, block: usize) -> std::ops::Range<usize> {
        self.first[block] as usize..self.end[block] as usize
    }
}

/// The states that reach `target` on `class`, for every pair: `sources[start[k]..start[k + 1]]`
/// for `k = target · width + class`.
struct Predecessors {
    start: Vec<u32>,
    sources: Vec<u32>,
}

impl Predecessors {
    fn new(width: usize, next: &[u32]) -> Self {
        let key = |target: u32, class: usize| target as usize * width + class;
        // Counts, summed into where each key's run ends; filled backwards to where it starts.
        let mut start = vec![0u32; next.len() + 1];
        for row in next.chunks_exact(width) {
            for (class, target) in row.iter().enumerate() {
                start[key(*target, class)] += 1;
            }
        }
        let mut total = 0;
        for slot in &mut start {
            total += *slot;
            *slot = total;
        }
        let mut sources = vec![0; next.len()];
        let rows = u32::try_from(next.len() / width).unwrap_or(u32::MAX);
        for (source, row) in (0..rows).zip(next.chunks_exact(width)).rev() {
            for (class, target) in row.iter().enumerate().rev() {
                let slot = &mut start[key(*target, class)];
                *slot -= 1;
                sources[*slot as usize] = source;
            }
        }
        Self { start, sources }
    }

    fn of(&self, k: usize) -> &[u32] {
        &self.sources[self.start[k] as usize..self.start[k + 1] as usize]
    }
}

/// The block of each state of the complete automaton `next` (row-major, `width` classes per
/// state) accepting at `accept`, numbered in the order the states first show them (so state 0
/// is in block 0), and the number of blocks.
pub(super) fn blocks(width: usize, next: &[u32], accept: &[bool]) -> (Vec<u32>, usize) {
    let n = u32::try_from(accept.len()).unwrap_or(u32::MAX);
    let predecessors = Predecessors::new(width, next);
    let mut partition = Partition::new(n);
    let mut work = Vec::new();
    for state in (0..n).filter(|s| accept[*s as usize]) {
        partition.mark(state);
    }
    partition.split(|new| work.push(new));
    let mut splitter = Vec::new();
    while let Some(block) = work.pop() {
        splitter.clear();
        splitter.extend_from_slice(&partition.elements[partition.run(block as usize)]);
        for class in 0..width {
            for state in &splitter {
                for source in predecessors.of(*state as usize * width + class) {
                    partition.mark(*source);
                }
            }
            partition.split(|new| work.push(new));
        }
    }
    renumbered(&partition.block, partition.first.len())
}

fn renumbered(block: &[u32], count: usize) -> (Vec<u32>, usize) {
    let mut id = vec![u32::MAX; count];
    let mut next = 0;
    let numbered = block
        .iter()
        .map(|b| {
            let slot = &mut id[*b as usize];
            if *slot == u32::MAX {
                *slot = next;
                next += 1;
            }
            *slot
        })
        .collect();
    (numbered, next as usize)
}
