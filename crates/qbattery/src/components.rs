//! Connected components of index sets (union–find), shared by the block splits: the
//! Schmidt blocks of a sector state, the independent blocks of a partial transpose and
//! the coordinate blocks of a reachable subspace.

/// A union–find forest over the indices 0..n (grown by [`UnionFind::push`]).
#[derive(Debug, Clone)]
pub(crate) struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    /// n singletons.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
        }
    }

    /// A new singleton; returns its index.
    pub(crate) fn push(&mut self) -> usize {
        self.parent.push(self.parent.len());
        self.parent.len() - 1
    }

    /// The representative of i's component: its smallest index.
    pub(crate) fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// Merges the components of a and b.
    pub(crate) fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        self.parent[ra.max(rb)] = ra.min(rb);
    }

    /// The components of `members` (ascending within each), ordered by their smallest
    /// index.
    pub(crate) fn groups(&mut self, members: impl IntoIterator<Item = usize>) -> Vec<Vec<usize>> {
        let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for i in members {
            let r = self.root(i);
            groups.entry(r).or_default().push(i);
        }
        groups.into_values().collect()
    }
}
