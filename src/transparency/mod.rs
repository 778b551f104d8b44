//! Key transparency (SPEC.md §14): the service publishes every chain tail in an append-only
//! log, so it cannot show two clients two different chains for one user, or one client an
//! older view than it has seen, without being caught.
//!
//! The engine is an RFC 6962 Merkle tree (the `ct-merkle` crate) with C2SP checkpoints:
//! signed notes (c2sp.org/tlog-checkpoint) cosigned by witnesses (c2sp.org/tlog-cosignature)
//! who check that every checkpoint extends the last they saw. A client requires the log's
//! signature and a threshold of witness cosignatures on a checkpoint, refuses one that does
//! not extend the checkpoint it holds (fork) or is older (rollback), and trusts a chain tail
//! only with a proof that the tail is in the log. Each log entry names the previous entry of
//! the same user, so a client can walk its own user's entries and see every tail the log
//! published for it (self-monitoring).
//!
//! Client side only here: no I/O, `no_std`. The in-memory log and witness a server or a test
//! runs are in the module `log` (feature `transparency-log`).
//!
//! ```
//! # use mailseal::identity::{self, ChainState};
//! # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
//! use mailseal::transparency::{LogPolicy, TransparencyView};
//! use mailseal::transparency::log::{MemoryLog, MemoryWitness};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
//! # let suite = mailseal::Suite::X25519;
//! # let alice = UserId::new([1; 16]);
//! # let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
//! # let puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
//! # let chain = ChainState::verify(&[identity::root(suite, alice, &laptop, puk.public(), &["alice@example.com"], 1)?])?;
//! // The service runs the log; an independent witness cosigns what it checked.
//! let mut log = MemoryLog::new("mail.example.com/log", [7; 32])?;
//! let mut witness = MemoryWitness::new("witness.example.org", [8; 32], log.origin(), log.verifying_key())?;
//! let index = log.publish(&chain)?;
//! let note = witness.cosign(&log.checkpoint(), &log.consistency_from(witness.size()), 100)?;
//!
//! // A client trusts the log's key and the witness, and needs one cosignature.
//! let policy = LogPolicy::new(log.origin(), log.verifying_key(), vec![witness.identity()], 1)?;
//! let mut view = TransparencyView::new(policy);
//! view.update(&note, &[])?;
//! let published = view.verify_published(&chain, index, &log.entry(index)?, &log.inclusion(index)?)?;
//! assert_eq!(published.seq(), chain.tail().seq);
//! # Ok::<(), mailseal::Error>(())
//! ```

#[cfg(any(test, feature = "transparency-log"))]
pub mod log;
mod note;
#[cfg(test)]
mod tests;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub use note::MAX_NOTE_LEN;
use note::{Note, cosigned_message, log_key_id, witness_key_id};

use crate::error::{ChainError, Error, Limit};
use crate::identity::{ChainState, ChainTail};
use crate::keys::{UserId, VerifyingKey};
use crate::mail::open::check_tail;
use crate::suite::Suite;
use crate::wire;

/// Largest encoded log entry (a chain's 32 addresses fit).
pub const MAX_ENTRY_LEN: usize = 2048;
/// Largest inclusion or consistency proof: 64 hashes.
pub const MAX_PROOF_LEN: usize = 64 * 32;
/// Largest log size a checkpoint may state: 2^63 entries. RFC 6962 proofs over larger trees
/// would overflow 64-bit node indices, and 64 proof hashes cover no more.
pub const MAX_LOG_SIZE: u64 = 1 << 63;

/// Why a transparency check failed (SPEC.md §14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransparencyError {
    /// A note that is not a well-formed checkpoint (§14.2 syntax).
    Checkpoint,
    /// A checkpoint of another log (origin).
    OtherLog,
    /// The log's signature is missing or does not verify.
    LogSignature,
    /// Fewer valid witness cosignatures than the policy's threshold.
    Witnesses,
    /// A checkpoint smaller than the one held: the log would have shrunk.
    Rollback,
    /// A checkpoint that does not extend the one held (bad consistency proof): a fork.
    Fork,
    /// The entry is not in the log at the checkpoint held (bad inclusion proof, index past
    /// the tree, or an entry other than the one claimed).
    NotIncluded,
    /// A log entry that names another user or suite, or a tail off the chain's history.
    EntryMismatch,
    /// No checkpoint is held yet.
    NoCheckpoint,
}

impl TransparencyError {
    pub(crate) fn class(&self) -> &'static str {
        match self {
            TransparencyError::Checkpoint => "transparency/checkpoint",
            TransparencyError::OtherLog => "transparency/other_log",
            TransparencyError::LogSignature => "transparency/log_signature",
            TransparencyError::Witnesses => "transparency/witnesses",
            TransparencyError::Rollback => "transparency/rollback",
            TransparencyError::Fork => "transparency/fork",
            TransparencyError::NotIncluded => "transparency/not_included",
            TransparencyError::EntryMismatch => "transparency/entry_mismatch",
            TransparencyError::NoCheckpoint => "transparency/no_checkpoint",
        }
    }
}

impl fmt::Display for TransparencyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransparencyError::Checkpoint => "a checkpoint that is not a well-formed signed note",
            TransparencyError::OtherLog => "a checkpoint of another log",
            TransparencyError::LogSignature => {
                "the log's signature on the checkpoint is missing or wrong"
            }
            TransparencyError::Witnesses => "too few witnesses cosigned the checkpoint",
            TransparencyError::Rollback => {
                "the checkpoint is older than one already seen (a rollback)"
            }
            TransparencyError::Fork => {
                "the checkpoint does not extend the one already seen (a fork)"
            }
            TransparencyError::NotIncluded => "the entry is not in the log at the checkpoint held",
            TransparencyError::EntryMismatch => "the log entry does not match the chain",
            TransparencyError::NoCheckpoint => "no checkpoint has been verified yet",
        })
    }
}

/// One log entry (SPEC.md §14.1): a user's chain tail, the hashes of the addresses the chain
/// lists at that tail, and the index of the user's previous entry. On the wire:
/// `{a: [bstr .size 32], c: ChainTail, p: uint or null, s: uint suite, u: bstr .size 16}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// The user.
    pub user: UserId,
    /// The chain's suite.
    pub suite: Suite,
    /// The tail published.
    pub tail: ChainTail,
    /// [`address_hash`] of each address the chain lists at `tail`, in increasing order.
    pub addresses: Vec<[u8; 32]>,
    /// The log index of this user's previous entry; `None` for the first.
    pub previous: Option<u64>,
}

/// SPEC.md §14.1: `BLAKE3-derive_key("mailseal v1 transparency address", lowercase(address))`
/// (ASCII lower case, as addresses compare): what an entry publishes of an address.
pub fn address_hash(address: &str) -> [u8; 32] {
    let lower = address.to_ascii_lowercase();
    blake3::derive_key("mailseal v1 transparency address", lower.as_bytes())
}

/// The sorted address hashes of what `chain` lists now.
fn chain_address_hashes(chain: &ChainState) -> Vec<[u8; 32]> {
    let mut hashes: Vec<[u8; 32]> = chain.addresses().iter().map(|a| address_hash(a)).collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryWire {
    #[serde(rename = "a")]
    addresses: Vec<crate::wire::Fixed<32>>,
    #[serde(rename = "c")]
    tail: ChainTail,
    #[serde(rename = "p", deserialize_with = "crate::wire::present")]
    previous: Option<u64>,
    #[serde(rename = "s")]
    suite: u16,
    #[serde(rename = "u")]
    user: UserId,
}

impl LogEntry {
    /// The entry that publishes `chain`'s current tail and addresses.
    pub fn for_chain(chain: &ChainState, previous: Option<u64>) -> LogEntry {
        LogEntry {
            user: chain.user(),
            suite: chain.suite(),
            tail: chain.tail(),
            addresses: chain_address_hashes(chain),
            previous,
        }
    }

    /// The canonical encoding, which is the leaf the log hashes.
    pub fn encode(&self) -> Vec<u8> {
        wire::encode(&EntryWire {
            addresses: self
                .addresses
                .iter()
                .map(|a| crate::wire::Fixed(*a))
                .collect(),
            tail: self.tail,
            previous: self.previous,
            suite: self.suite.id(),
            user: self.user,
        })
    }

    /// Parses an entry (SPEC.md §14.1): size, canonical CBOR, a known suite, a tail position
    /// from 1, address hashes strictly increasing.
    pub fn parse(bytes: &[u8]) -> Result<LogEntry, Error> {
        let w: EntryWire = wire::decode(bytes, MAX_ENTRY_LEN, Limit::LogEntrySize)?;
        if w.tail.seq == 0 {
            return Err(crate::error::Malformed::Field(crate::error::Field::ChainTail).into());
        }
        let suite = Suite::from_id(w.suite)?;
        let increasing = w
            .addresses
            .windows(2)
            .all(|p| matches!(p, [a, b] if a.0 < b.0));
        if !increasing {
            return Err(crate::error::Malformed::Field(crate::error::Field::Address).into());
        }
        Ok(LogEntry {
            user: w.user,
            suite,
            tail: w.tail,
            addresses: w.addresses.into_iter().map(|a| a.0).collect(),
            previous: w.previous,
        })
    }
}

/// A witness the client relies on: its name and Ed25519 key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessIdentity {
    /// The witness's name (its key name in cosignature lines).
    pub name: String,
    /// Its key.
    pub key: VerifyingKey,
}

/// What a client trusts (SPEC.md §14.3): the log's origin and key, the witnesses, and how
/// many of them must cosign a checkpoint.
#[derive(Clone, Debug)]
pub struct LogPolicy {
    origin: String,
    log_key: VerifyingKey,
    witnesses: Vec<WitnessIdentity>,
    threshold: usize,
}

impl LogPolicy {
    /// A policy. The log's key name is its origin. A threshold of 0 or above the number of
    /// witnesses, a witness named twice (by name or key), or an origin or witness name that
    /// cannot be a signed-note key name, is refused ([`Misuse::InvalidLogSetup`](crate::error::Misuse::InvalidLogSetup)): a client
    /// that trusts the log alone cannot detect a split view.
    pub fn new(
        origin: &str,
        log_key: VerifyingKey,
        witnesses: Vec<WitnessIdentity>,
        threshold: usize,
    ) -> Result<LogPolicy, Error> {
        // §14.3: thresholds count distinct witnesses, so a policy names each one once (by
        // name and by key): a repeated witness would let one cosignature count twice.
        let repeated = witnesses.iter().enumerate().any(|(i, w)| {
            witnesses
                .iter()
                .skip(i.saturating_add(1))
                .any(|o| o.name == w.name || o.key == w.key)
        });
        if threshold == 0
            || threshold > witnesses.len()
            || repeated
            || !is_key_name(origin)
            || !witnesses.iter().all(|w| is_key_name(&w.name))
        {
            return Err(crate::error::Misuse::InvalidLogSetup.into());
        }
        Ok(LogPolicy {
            origin: String::from(origin),
            log_key,
            witnesses,
            threshold,
        })
    }
}

/// A signed-note key name (c2sp.org/signed-note): non-empty, without spaces (of any kind) or
/// `+`, so it fits a signature line and a verifier key.
pub(crate) fn is_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// SPEC.md §14.3 step 1: a checkpoint's first three lines, `origin`, the size in decimal and
/// the root in canonical standard base64 (c2sp.org/tlog-checkpoint; later lines are
/// extensions, ignored).
pub(crate) fn checkpoint_body(text: &str) -> Result<(&str, u64, [u8; 32]), Error> {
    let mut lines = text.split('\n');
    let (origin, size, root) = match (lines.next(), lines.next(), lines.next()) {
        (Some(o), Some(s), Some(r)) => (o, s, r),
        _ => return Err(TransparencyError::Checkpoint.into()),
    };
    // §14.2: "a size above 2^63 is transparency: checkpoint" (proofs over such a tree
    // would overflow the Merkle library's 64-bit node indices).
    let size = crate::wire::form::from_decimal(size)
        .filter(|s| *s <= MAX_LOG_SIZE)
        .ok_or(TransparencyError::Checkpoint)?;
    let root: [u8; 32] = Base64::decode_vec(root)
        .ok()
        .filter(|r| Base64::encode_string(r) == root)
        .and_then(|r| r.try_into().ok())
        .ok_or(TransparencyError::Checkpoint)?;
    Ok((origin, size, root))
}

/// A verified checkpoint: a size and a root of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The number of entries.
    pub size: u64,
    /// The RFC 6962 root hash at that size.
    pub root: [u8; 32],
}

impl LogPolicy {
    /// SPEC.md §14.3 steps 1–4: the note's syntax, its origin, the log's signature and at
    /// least `threshold` valid cosignations by distinct configured witnesses.
    pub fn verify_checkpoint(&self, note: &[u8]) -> Result<Checkpoint, Error> {
        let note = Note::parse(note)?;
        let (origin, size, root) = checkpoint_body(&note.text)?;
        if origin != self.origin {
            return Err(TransparencyError::OtherLog.into());
        }
        let log_id = log_key_id(&self.origin, &self.log_key);
        let signed_by_log = note.signatures.iter().any(|s| {
            s.name == self.origin
                && s.key_id == log_id
                && <[u8; 64]>::try_from(s.rest.as_slice())
                    .is_ok_and(|sig| self.log_key.verify_strict(note.text.as_bytes(), &sig))
        });
        if !signed_by_log {
            return Err(TransparencyError::LogSignature.into());
        }
        let cosigned = self
            .witnesses
            .iter()
            .filter(|w| {
                let id = witness_key_id(&w.name, &w.key);
                note.signatures.iter().any(|s| {
                    s.name == w.name
                        && s.key_id == id
                        && cosignature_verifies(&w.key, &note.text, &s.rest)
                })
            })
            .count();
        if cosigned < self.threshold {
            return Err(TransparencyError::Witnesses.into());
        }
        Ok(Checkpoint { size, root })
    }
}

/// `rest = u64be(time) || signature` over [`cosigned_message`].
fn cosignature_verifies(key: &VerifyingKey, text: &str, rest: &[u8]) -> bool {
    let Some((time, sig)) = rest.split_at_checked(8) else {
        return false;
    };
    let (Ok(time), Ok(sig)) = (<[u8; 8]>::try_from(time), <[u8; 64]>::try_from(sig)) else {
        return false;
    };
    key.verify_strict(&cosigned_message(u64::from_be_bytes(time), text), &sig)
}

/// One of a user's log entries as the service serves it: `(index, entry bytes, inclusion
/// proof)`.
pub type HistoryEntry = (u64, Vec<u8>, Vec<u8>);

/// A tail the client found in the log. Only [`TransparencyView::verify_published`] makes one
/// (its fields are read through methods), so a directory can hand out nothing but a proof it
/// was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublishedTail {
    index: u64,
    seq: u64,
    checkpoint_size: u64,
}

impl PublishedTail {
    /// The entry's log index.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The chain position it publishes.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The checkpoint size it was proven at.
    pub fn checkpoint_size(&self) -> u64 {
        self.checkpoint_size
    }
}

/// Whether a sender's chain, as the reader holds it, was shown to be in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Publication {
    /// The chain's own tail is in the log at a checkpoint the reader holds.
    Published(PublishedTail),
    /// Nothing showed it (a plain list of chains, or a chain added without a proof).
    NotShown,
}

/// A reader's verified chains, each with the proof that its tail is published when there is
/// one: the [`ChainDirectory`](crate::mail::open::ChainDirectory) a client following the log
/// opens mail with (SPEC.md §14.4).
#[derive(Clone, Debug, Default)]
pub struct PublishedChains {
    chains: BTreeMap<UserId, (ChainState, Option<PublishedTail>)>,
}

impl PublishedChains {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `chain` with the proof that its tail is in the log under `view`'s checkpoint
    /// ([`TransparencyView::verify_published`]); the published tail must be the chain's own
    /// tail (an older position does not show the current view is published:
    /// [`TransparencyError::EntryMismatch`]). Replaces what was held for the user only with
    /// a view that extends it ([`ChainState::extends`]: a served older view, even one whose
    /// own tail the log published back then, would undo a revocation the reader has seen).
    pub fn add_published(
        &mut self,
        view: &TransparencyView,
        chain: ChainState,
        index: u64,
        entry: &[u8],
        inclusion: &[u8],
    ) -> Result<PublishedTail, Error> {
        self.check_replaces(&chain)?;
        let published = view.verify_published(&chain, index, entry, inclusion)?;
        if published.seq != chain.tail().seq {
            return Err(TransparencyError::EntryMismatch.into());
        }
        self.chains.insert(chain.user(), (chain, Some(published)));
        Ok(published)
    }

    /// Adds a verified chain without a publication proof (its mail is never E2E for a
    /// mailbox that follows the log, the default). Like [`PublishedChains::add_published`],
    /// it replaces a held chain only with a view that extends it.
    pub fn add_unpublished(&mut self, chain: ChainState) -> Result<(), Error> {
        self.check_replaces(&chain)?;
        self.chains.insert(chain.user(), (chain, None));
        Ok(())
    }

    /// Forgets the chain held for `user`, for a deliberate reset (an account deleted and
    /// created again): the only way to hold a view that does not extend the one held.
    ///
    /// ```
    /// # use mailseal::identity::{self, ChainState};
    /// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
    /// # use rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([4; 32]);
    /// # let (suite, alice) = (mailseal::Suite::X25519, UserId::new([1; 16]));
    /// # let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
    /// # let puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
    /// # let old = ChainState::verify(&[identity::root(suite, alice, &laptop, puk.public(), &["alice@example.com"], 1)?])?;
    /// use mailseal::transparency::PublishedChains;
    /// let newer = old.extend(&[old.server_addresses(&["a@example.com"], 2)])?;
    /// let mut senders = PublishedChains::new();
    /// senders.add_unpublished(newer.clone())?;
    /// // An older view is refused (chain: rollback) ...
    /// assert!(senders.add_unpublished(old.clone()).is_err());
    /// // ... unless the caller resets the user on purpose.
    /// assert_eq!(senders.remove(&alice), Some(newer));
    /// senders.add_unpublished(old)?;
    /// # Ok::<(), mailseal::Error>(())
    /// ```
    pub fn remove(&mut self, user: &UserId) -> Option<ChainState> {
        self.chains.remove(user).map(|(c, _)| c)
    }

    /// SPEC.md §12.5: a held chain is replaced only by a view that extends it.
    fn check_replaces(&self, chain: &ChainState) -> Result<(), Error> {
        match self.chains.get(&chain.user()) {
            Some((held, _)) => chain.extends(held),
            None => Ok(()),
        }
    }
}

impl crate::mail::open::ChainDirectory for PublishedChains {
    fn chain(&self, user: &UserId) -> Option<&ChainState> {
        self.chains.get(user).map(|(c, _)| c)
    }
    fn publication(&self, user: &UserId) -> Publication {
        match self.chains.get(user) {
            Some((_, Some(p))) => Publication::Published(*p),
            _ => Publication::NotShown,
        }
    }
}

/// What self-monitoring found of the client's own user in the log (SPEC.md §14.5).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MonitorFinding {
    /// Every published tail is a position of the client's chain.
    Consistent,
    /// The log publishes positions beyond the client's view: fetch the links up to `seq`,
    /// verify them with `ChainState::update`, and show the user what they add (a device
    /// added behind the user's back is an alarm).
    Ahead {
        /// The newest position the log published.
        seq: u64,
    },
}

/// A client's view of the log: its policy and the newest checkpoint it verified.
#[derive(Clone, Debug)]
pub struct TransparencyView {
    policy: LogPolicy,
    held: Option<Checkpoint>,
}

impl TransparencyView {
    /// A view that holds no checkpoint yet.
    pub fn new(policy: LogPolicy) -> Self {
        TransparencyView { policy, held: None }
    }

    /// The checkpoint held.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        self.held
    }

    /// SPEC.md §14.3: verifies `note` under the policy and, when a checkpoint is held,
    /// requires the new one to extend it: a smaller size is [`TransparencyError::Rollback`],
    /// a `consistency` proof that fails is [`TransparencyError::Fork`]. The same size must
    /// have the same root. On success the new checkpoint is held.
    pub fn update(&mut self, note: &[u8], consistency: &[u8]) -> Result<Checkpoint, Error> {
        let new = self.policy.verify_checkpoint(note)?;
        if let Some(old) = self.held {
            if new.size < old.size {
                return Err(TransparencyError::Rollback.into());
            }
            if new.size == old.size {
                if new.root != old.root {
                    return Err(TransparencyError::Fork.into());
                }
            } else if old.size > 0 {
                if consistency.len() > MAX_PROOF_LEN {
                    return Err(TransparencyError::Fork.into());
                }
                let proof = ConsistencyProof::<Sha256>::try_from_bytes(consistency.to_vec())
                    .map_err(|_| TransparencyError::Fork)?;
                root_of(&new)
                    .verify_consistency(&root_of(&old), &proof)
                    .map_err(|_| TransparencyError::Fork)?;
            }
        }
        self.held = Some(new);
        Ok(new)
    }

    /// SPEC.md §14.4: `entry` is in the log at `index` under the checkpoint held, names
    /// `chain`'s user and suite, and publishes a position of `chain` (the chain's own tail,
    /// or an earlier position of it); at the chain's own tail, with exactly the chain's
    /// addresses. A position the chain has not reached is
    /// [`ChainError::Behind`] (fetch more links); another hash at a known position is
    /// [`ChainError::Fork`].
    pub fn verify_published(
        &self,
        chain: &ChainState,
        index: u64,
        entry: &[u8],
        inclusion: &[u8],
    ) -> Result<PublishedTail, Error> {
        let e = self.included(index, entry, inclusion)?;
        if e.user != chain.user() || e.suite != chain.suite() {
            return Err(TransparencyError::EntryMismatch.into());
        }
        check_tail(chain, &e.tail)?;
        // At the chain's own tail, the entry publishes exactly the addresses the chain lists:
        // the address → user bindings a client is about to trust.
        if e.tail == chain.tail() && e.addresses != chain_address_hashes(chain) {
            return Err(TransparencyError::EntryMismatch.into());
        }
        Ok(PublishedTail {
            index,
            seq: e.tail.seq,
            checkpoint_size: self.held.map_or(0, |c| c.size),
        })
    }

    /// SPEC.md §14.5, self-monitoring: `entries` are the client's own user's entries as the
    /// service serves them, newest first, each `(index, entry, inclusion proof)`; each must be
    /// included, name the user, and point to the next one (`previous`), the last naming none.
    /// Every published tail must be a position of `own` (else [`ChainError::Fork`], an
    /// alarm), or beyond it ([`MonitorFinding::Ahead`]).
    pub fn monitor(
        &self,
        own: &ChainState,
        entries: &[HistoryEntry],
    ) -> Result<MonitorFinding, Error> {
        let mut expected_index: Option<u64> = None;
        let mut newest_ahead: Option<u64> = None;
        for (position, (index, bytes, proof)) in entries.iter().enumerate() {
            if position > 0 && expected_index != Some(*index) {
                return Err(TransparencyError::EntryMismatch.into());
            }
            let e = self.included(*index, bytes, proof)?;
            if e.user != own.user() || e.suite != own.suite() {
                return Err(TransparencyError::EntryMismatch.into());
            }
            match check_tail(own, &e.tail) {
                Ok(()) => {}
                Err(Error::Chain(ChainError::Behind { .. })) => {
                    newest_ahead = newest_ahead.max(Some(e.tail.seq));
                }
                Err(other) => return Err(other),
            }
            expected_index = e.previous;
        }
        if expected_index.is_some() {
            // The walk stopped before the user's first entry.
            return Err(TransparencyError::EntryMismatch.into());
        }
        Ok(match newest_ahead {
            Some(seq) => MonitorFinding::Ahead { seq },
            None => MonitorFinding::Consistent,
        })
    }

    /// The entry at `index` under the checkpoint held, proven by `inclusion`.
    fn included(&self, index: u64, entry: &[u8], inclusion: &[u8]) -> Result<LogEntry, Error> {
        let held = self.held.ok_or(TransparencyError::NoCheckpoint)?;
        if inclusion.len() > MAX_PROOF_LEN {
            return Err(TransparencyError::NotIncluded.into());
        }
        let proof = InclusionProof::<Sha256>::try_from_bytes(inclusion.to_vec())
            .map_err(|_| TransparencyError::NotIncluded)?;
        root_of(&held)
            .verify_inclusion(&entry, index, &proof)
            .map_err(|_| TransparencyError::NotIncluded)?;
        LogEntry::parse(entry)
    }
}

fn root_of(c: &Checkpoint) -> RootHash<Sha256> {
    RootHash::new(c.root.into(), c.size)
}
