//! The publishing side (feature `transparency-log`): an in-memory log and witness, for a
//! server's tests and examples and for this crate's own. A production log keeps its tree in
//! storage (tiles, c2sp.org/tlog-tiles) and its key in an HSM; the formats are the same.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use base64ct::{Base64, Encoding};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ed25519_dalek::{Signer, SigningKey};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::note::{Note, cosigned_message, log_key_id, witness_key_id};
use super::{
    HistoryEntry, LogEntry, LogPolicy, TransparencyError, TransparencyView, WitnessIdentity,
};
use crate::error::Error;
use crate::identity::ChainState;
use crate::keys::{UserId, VerifyingKey};

/// The crate's checked form of a signing key's public half.
fn verifying_key(signing: &SigningKey) -> Result<VerifyingKey, Error> {
    VerifyingKey::from_bytes(&signing.verifying_key().to_bytes())
}

/// An append-only log of chain tails in memory, with its signing key.
pub struct MemoryLog {
    origin: String,
    key: SigningKey,
    public: VerifyingKey,
    tree: MemoryBackedTree<Sha256, Vec<u8>>,
    latest: BTreeMap<UserId, u64>,
}

impl MemoryLog {
    /// A log named `origin` signing with the Ed25519 key of `seed`.
    pub fn new(origin: &str, seed: [u8; 32]) -> Result<Self, Error> {
        if !super::is_key_name(origin) {
            return Err(crate::error::Misuse::InvalidLogSetup.into());
        }
        let seed = Zeroizing::new(seed);
        let key = SigningKey::from_bytes(&seed);
        Ok(MemoryLog {
            origin: String::from(origin),
            public: verifying_key(&key)?,
            key,
            tree: MemoryBackedTree::new(),
            latest: BTreeMap::new(),
        })
    }

    /// The log's origin (its key name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The log's public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public
    }

    /// Appends `chain`'s tail as an entry naming the user's previous entry; returns its index.
    pub fn publish(&mut self, chain: &ChainState) -> Result<u64, Error> {
        let entry = LogEntry::for_chain(chain, self.latest.get(&chain.user()).copied());
        Ok(self.append(&entry))
    }

    /// Appends any entry as it is (a misbehaving log in tests: a forged tail, a fork).
    pub fn append(&mut self, entry: &LogEntry) -> u64 {
        let index = self.tree.len();
        self.tree.push(entry.encode());
        self.latest.insert(entry.user, index);
        index
    }

    /// Appends raw leaf bytes (a misbehaving log in tests: an entry no parser accepts).
    pub fn append_raw(&mut self, leaf: Vec<u8>) -> u64 {
        let index = self.tree.len();
        self.tree.push(leaf);
        index
    }

    /// The number of entries.
    pub fn size(&self) -> u64 {
        self.tree.len()
    }

    /// The checkpoint of the current tree, signed by the log (no cosignatures).
    pub fn checkpoint(&self) -> Vec<u8> {
        let text = alloc::format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.tree.len(),
            Base64::encode_string(self.tree.root().as_bytes())
        );
        let sig = self.key.sign(text.as_bytes()).to_bytes();
        let id = log_key_id(&self.origin, &self.public);
        let mut note = text;
        note.push('\n');
        note.push_str(&Note::line(&self.origin, id, &sig));
        note.into_bytes()
    }

    /// The stored entry at `index`.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, Error> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.tree.get(i))
            .cloned()
            .ok_or_else(|| TransparencyError::NotIncluded.into())
    }

    /// The inclusion proof of entry `index` in the current tree.
    pub fn inclusion(&self, index: u64) -> Result<Vec<u8>, Error> {
        let i = usize::try_from(index).map_err(|_| TransparencyError::NotIncluded)?;
        if index >= self.tree.len() {
            return Err(TransparencyError::NotIncluded.into());
        }
        Ok(self.tree.prove_inclusion(i).as_bytes().to_vec())
    }

    /// The consistency proof from size `old` to the current size (empty when `old` is 0 or
    /// the current size).
    pub fn consistency_from(&self, old: u64) -> Vec<u8> {
        let additions = self.tree.len().saturating_sub(old);
        if old == 0 || additions == 0 {
            return Vec::new();
        }
        usize::try_from(additions)
            .map(|a| self.tree.prove_consistency(a).as_bytes().to_vec())
            .unwrap_or_default()
    }

    /// A user's entries, newest first, as `(index, entry, inclusion proof)`: what the
    /// service serves a client monitoring its own user.
    pub fn history(&self, user: &UserId) -> Result<Vec<HistoryEntry>, Error> {
        let mut out = Vec::new();
        let mut next = self.latest.get(user).copied();
        while let Some(index) = next {
            let bytes = self.entry(index)?;
            next = LogEntry::parse(&bytes)?.previous;
            out.push((index, bytes, self.inclusion(index)?));
        }
        Ok(out)
    }
}

/// A witness in memory, following one log: it cosigns a checkpoint only if the log signed
/// it and it extends the last checkpoint the witness cosigned.
pub struct MemoryWitness {
    name: String,
    key: SigningKey,
    public: VerifyingKey,
    view: TransparencyView,
}

impl MemoryWitness {
    /// A witness named `name` with the Ed25519 key of `seed`, following the log `origin`
    /// whose key is `log_key`.
    pub fn new(
        name: &str,
        seed: [u8; 32],
        origin: &str,
        log_key: VerifyingKey,
    ) -> Result<Self, Error> {
        let seed = Zeroizing::new(seed);
        let key = SigningKey::from_bytes(&seed);
        let public = verifying_key(&key)?;
        let me = WitnessIdentity {
            name: String::from(name),
            key: public,
        };
        // The witness checks the log, not other witnesses: its own cosignature, added just
        // before checking, satisfies its policy's threshold of one.
        let policy = LogPolicy::new(origin, log_key, alloc::vec![me], 1)?;
        Ok(MemoryWitness {
            name: String::from(name),
            key,
            public,
            view: TransparencyView::new(policy),
        })
    }

    /// What clients configure for this witness.
    pub fn identity(&self) -> WitnessIdentity {
        WitnessIdentity {
            name: self.name.clone(),
            key: self.public,
        }
    }

    /// The size of the last checkpoint this witness cosigned.
    pub fn size(&self) -> u64 {
        self.view.checkpoint().map_or(0, |c| c.size)
    }

    /// Adds this witness's cosignature at `time` to `checkpoint` if the log signed it and it
    /// extends the last one cosigned (`consistency` from [`MemoryWitness::size`]); returns
    /// the note with the cosignature. A fork or a rollback is refused, and nothing is signed.
    pub fn cosign(
        &mut self,
        checkpoint: &[u8],
        consistency: &[u8],
        time: u64,
    ) -> Result<Vec<u8>, Error> {
        let note = Note::parse(checkpoint)?;
        let line = cosign_line(&self.name, &self.key, &self.public, &note.text, time);
        let mut with_mine = checkpoint.to_vec();
        with_mine.extend_from_slice(line.as_bytes());
        self.view.update(&with_mine, consistency)?;
        Ok(with_mine)
    }
}

/// `— name base64(key id || u64be(time) || signature)`.
fn cosign_line(
    name: &str,
    key: &SigningKey,
    public: &VerifyingKey,
    text: &str,
    time: u64,
) -> String {
    let sig = key.sign(&cosigned_message(time, text)).to_bytes();
    let mut rest = time.to_be_bytes().to_vec();
    rest.extend_from_slice(&sig);
    Note::line(name, witness_key_id(name, public), &rest)
}
