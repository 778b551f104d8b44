//! The recipient tree: one signature over a fixed-depth hash tree of salted recipient digests
//! (SPEC.md §6.5).
//!
//! Every recipient gets its leaf position and the sibling path, never another leaf's
//! preimage. Leaves are salted with a secret per-recipient value and empty subtrees are
//! filled with pseudo-random values, so a path looks the same whatever the number and the
//! identity of the other recipients.

use alloc::vec::Vec;
use zeroize::Zeroize;

use blake3::hazmat::{ContextKey, HasherExt, hash_derive_key_context};

use crate::suite::Suite;

/// Depth of the tree: `2^TREE_DEPTH` leaf positions.
pub const TREE_DEPTH: usize = 10;
/// Number of leaf positions.
pub const TREE_SLOTS: usize = 1 << TREE_DEPTH;

/// `BLAKE3-derive_key("mailseal v1 tree leaf", salt || digest)`.
pub(crate) fn leaf(salt: &[u8; 32], digest: &[u8; 32]) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key("mailseal v1 tree leaf");
    h.update(salt);
    h.update(digest);
    *h.finalize().as_bytes()
}

/// Inner nodes, `BLAKE3-derive_key("mailseal v1 tree node", left || right)`, with the
/// context hashed once for all the nodes of a path or a tree: `derive_key` hashes its input
/// keyed by the context's hash, so each node then costs one compression instead of two.
struct Nodes(ContextKey);

impl Nodes {
    fn new() -> Self {
        Nodes(hash_derive_key_context("mailseal v1 tree node"))
    }

    fn node(&self, left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
        let mut h = blake3::Hasher::new_from_context_key(&self.0);
        h.update(left);
        h.update(right);
        *h.finalize().as_bytes()
    }
}

/// The value of an empty subtree at `level` (0 = leaves), index `index` within that level:
/// `BLAKE3-keyed(tree_key, "mailseal v1 tree filler" || u8(level) || u16be(index))`.
fn filler(tree_key: &[u8; 32], level: usize, index: usize) -> [u8; 32] {
    let mut h = blake3::Hasher::new_keyed(tree_key);
    h.update(b"mailseal v1 tree filler");
    h.update(&[level as u8]);
    h.update(&(index as u16).to_be_bytes());
    *h.finalize().as_bytes()
}

/// The message the sender device signs: `"mailseal v1 recipient tree" || suite_id || root`.
pub(crate) fn signed_message(suite: Suite, root: &[u8; 32]) -> Vec<u8> {
    let mut m = b"mailseal v1 recipient tree".to_vec();
    m.extend_from_slice(&suite.id_bytes());
    m.extend_from_slice(root);
    m
}

/// Walks from a leaf at `position` up the sibling `path` (leaf level first) to the root.
pub(crate) fn root_from_path(
    leaf_value: [u8; 32],
    position: usize,
    path: &[[u8; 32]; TREE_DEPTH],
) -> [u8; 32] {
    let nodes = Nodes::new();
    let mut acc = leaf_value;
    let mut index = position;
    for sibling in path {
        acc = if index & 1 == 0 {
            nodes.node(&acc, sibling)
        } else {
            nodes.node(sibling, &acc)
        };
        index >>= 1;
    }
    acc
}

/// A tree over `(position, leaf)` pairs with distinct positions below [`TREE_SLOTS`].
pub(crate) struct Tree {
    /// `levels[l]` holds the nodes of level `l` over recipients, and the fillers beside them
    /// (the siblings on the recipients' paths), sorted by index.
    levels: Vec<Vec<(usize, [u8; 32])>>,
    tree_key: [u8; 32],
}

/// The tree key hides the fillers beside BCC recipients (SPEC.md §6.5): wiped with the tree.
impl Drop for Tree {
    fn drop(&mut self) {
        self.tree_key.zeroize();
    }
}

impl Tree {
    /// Builds the tree; cost is about `TREE_DEPTH` hashes per leaf.
    // safe: positions are below TREE_SLOTS (1024) and `i` below the level's length, so no
    // index arithmetic can overflow; an odd index is at least 1.
    #[allow(clippy::arithmetic_side_effects)]
    pub(crate) fn build(mut leaves: Vec<(usize, [u8; 32])>, tree_key: [u8; 32]) -> Tree {
        leaves.sort_unstable_by_key(|(p, _)| *p);
        let nodes = Nodes::new();
        let mut levels = Vec::with_capacity(TREE_DEPTH + 1);
        let mut current = leaves;
        for level in 0..TREE_DEPTH {
            let mut next: Vec<(usize, [u8; 32])> = Vec::with_capacity(current.len());
            // The fillers this level needs are kept beside its nodes: every one of them is
            // the sibling on some recipient's path, which `path` then finds here.
            let mut fillers = Vec::new();
            let mut filler_at = |index: usize| {
                let value = filler(&tree_key, level, index);
                fillers.push((index, value));
                value
            };
            let mut i = 0;
            while let Some(&(index, value)) = current.get(i) {
                let parent = index >> 1;
                let (left, right, step) = if index & 1 == 0 {
                    match current.get(i + 1) {
                        Some(&(j, v)) if j == index + 1 => (value, v, 2),
                        _ => (value, filler_at(index + 1), 1),
                    }
                } else {
                    (filler_at(index - 1), value, 1)
                };
                next.push((parent, nodes.node(&left, &right)));
                i += step;
            }
            current.extend(fillers);
            current.sort_unstable_by_key(|(p, _)| *p);
            levels.push(current);
            current = next;
        }
        levels.push(current);
        Tree { levels, tree_key }
    }

    /// The root (a filler if the tree is empty, which sealing never builds).
    pub(crate) fn root(&self) -> [u8; 32] {
        self.levels
            .get(TREE_DEPTH)
            .and_then(|l| l.first())
            .map(|(_, v)| *v)
            .unwrap_or_else(|| filler(&self.tree_key, TREE_DEPTH, 0))
    }

    /// The sibling path of the leaf at `position`, leaf level first (every sibling is a node
    /// or a filler that `build` kept).
    pub(crate) fn path(&self, position: usize) -> [[u8; 32]; TREE_DEPTH] {
        let mut path = [[0u8; 32]; TREE_DEPTH];
        let mut index = position;
        for (level, slot) in path.iter_mut().enumerate() {
            let sibling = index ^ 1;
            *slot = self
                .levels
                .get(level)
                .and_then(|l| {
                    l.binary_search_by_key(&sibling, |(i, _)| *i)
                        .ok()
                        .and_then(|k| l.get(k))
                })
                .map(|(_, v)| *v)
                .unwrap_or_else(|| filler(&self.tree_key, level, sibling));
            index >>= 1;
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// A node by `derive_key` itself, to check the tree's context hashed once.
    fn derive_key_node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
        let mut h = blake3::Hasher::new_derive_key("mailseal v1 tree node");
        h.update(left);
        h.update(right);
        *h.finalize().as_bytes()
    }

    fn naive_root(leaves: &[(usize, [u8; 32])], key: &[u8; 32]) -> [u8; 32] {
        let mut level: Vec<[u8; 32]> = (0..TREE_SLOTS).map(|i| filler(key, 0, i)).collect();
        for (p, v) in leaves {
            level[*p] = *v;
        }
        // Filler nodes above the leaves only stand for wholly empty subtrees.
        let mut empty: Vec<bool> = (0..TREE_SLOTS)
            .map(|i| !leaves.iter().any(|(p, _)| *p == i))
            .collect();
        for l in 1..=TREE_DEPTH {
            let n = level.len() / 2;
            let mut next = Vec::with_capacity(n);
            let mut next_empty = Vec::with_capacity(n);
            for i in 0..n {
                let e = empty[2 * i] && empty[2 * i + 1];
                next_empty.push(e);
                next.push(if e {
                    filler(key, l, i)
                } else {
                    derive_key_node(&level[2 * i], &level[2 * i + 1])
                });
            }
            level = next;
            empty = next_empty;
        }
        level[0]
    }

    #[test]
    fn sparse_tree_matches_the_full_tree_and_every_path_verifies() {
        let key = [7u8; 32];
        for positions in [
            vec![0usize],
            vec![1023],
            vec![5, 6, 7, 900],
            (0..40).map(|i| i * 25).collect(),
        ] {
            let leaves: Vec<(usize, [u8; 32])> = positions
                .iter()
                .map(|p| (*p, [(*p % 251) as u8; 32]))
                .collect();
            let tree = Tree::build(leaves.clone(), key);
            assert_eq!(tree.root(), naive_root(&leaves, &key));
            for (p, v) in &leaves {
                assert_eq!(root_from_path(*v, *p, &tree.path(*p)), tree.root());
                assert_ne!(
                    root_from_path(*v, *p ^ 1, &tree.path(*p)),
                    tree.root(),
                    "position is bound"
                );
            }
        }
    }
}
