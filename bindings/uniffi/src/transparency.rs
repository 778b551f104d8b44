//! Key transparency, the client's side (SPEC.md §14): a policy of which log and witnesses to
//! trust, a view holding the newest verified checkpoint, proofs that a chain's tail is
//! published, and self-monitoring of the user's own entries.

use std::sync::{Arc, Mutex};

use mailseal::keys::VerifyingKey;
use mailseal::transparency::{
    self as lib, Checkpoint as LibCheckpoint, LogPolicy as LibPolicy, MonitorFinding as LibFinding,
    PublishedTail as LibTail,
};

use crate::bytes::Bytes;
use crate::chain::Chain;
use crate::convert::{self, lock};
use crate::error::{MailsealError, Result, invalid};

/// A witness the client relies on.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct WitnessIdentity {
    /// Its name (the key name in its cosignature lines).
    pub name: String,
    /// Its Ed25519 verifying key (32 bytes).
    pub key: Bytes,
}

/// A checkpoint that verified: the log's size and root.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Checkpoint {
    /// The number of entries.
    pub size: u64,
    /// The RFC 6962 root hash at that size.
    pub root: Bytes,
}

fn checkpoint(c: LibCheckpoint) -> Checkpoint {
    Checkpoint {
        size: c.size,
        root: c.root[..].into(),
    }
}

/// A chain tail found in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PublishedTail {
    /// The entry's index in the log.
    pub index: u64,
    /// The chain position it publishes.
    pub seq: u64,
    /// The size of the checkpoint it was proven under.
    pub checkpoint_size: u64,
}

pub(crate) fn published(t: LibTail) -> PublishedTail {
    PublishedTail {
        index: t.index(),
        seq: t.seq(),
        checkpoint_size: t.checkpoint_size(),
    }
}

/// One of the user's own log entries as the service serves it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HistoryEntry {
    /// Its index in the log.
    pub index: u64,
    /// The entry's bytes.
    pub entry: Bytes,
    /// Its inclusion proof under the checkpoint held.
    pub inclusion: Bytes,
}

/// What self-monitoring found (SPEC.md §14.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum MonitorFinding {
    /// Every published tail is a position of the user's chain.
    Consistent,
    /// The log publishes positions beyond the client's view: fetch the links up to `seq`,
    /// verify them with `Chain.update`, and show the user what they add (a device added
    /// behind the user's back is an alarm).
    Ahead {
        /// The newest position published.
        seq: u64,
    },
}

/// What a client trusts (SPEC.md §14.3): the log's origin and key, the witnesses, and how
/// many of them must cosign a checkpoint.
#[derive(uniffi::Object)]
pub struct LogPolicy {
    inner: LibPolicy,
}

fn verifying_key(bytes: &[u8]) -> Result<VerifyingKey> {
    Ok(VerifyingKey::from_bytes(&convert::bytes32(
        bytes,
        "an Ed25519 key",
    )?)?)
}

#[uniffi::export]
impl LogPolicy {
    /// A policy; a threshold of 0 or above the number of witnesses is refused
    /// (`transparency/witnesses`): a client that trusts the log alone cannot see a split view.
    #[uniffi::constructor]
    pub fn new(
        origin: &str,
        log_key: Bytes,
        witnesses: Vec<WitnessIdentity>,
        threshold: u32,
    ) -> Result<Arc<LogPolicy>> {
        let witnesses = witnesses
            .into_iter()
            .map(|w| {
                Ok(lib::WitnessIdentity {
                    key: verifying_key(&w.key)?,
                    name: w.name,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let threshold = usize::try_from(threshold).map_err(|_| invalid("threshold"))?;
        Ok(Arc::new(LogPolicy {
            inner: LibPolicy::new(origin, verifying_key(&log_key)?, witnesses, threshold)?,
        }))
    }

    /// Verifies a signed checkpoint note under the policy, without any state (SPEC.md §14.3
    /// steps 1–4).
    pub fn verify_checkpoint(&self, note: Bytes) -> Result<Checkpoint> {
        Ok(checkpoint(self.inner.verify_checkpoint(&note)?))
    }
}

/// A client's view of the log: its policy and the newest checkpoint it verified. Keep it
/// (and its checkpoint) across sessions: a later checkpoint must extend it.
#[derive(uniffi::Object)]
pub struct TransparencyView {
    pub(crate) inner: Mutex<lib::TransparencyView>,
}

#[uniffi::export]
impl TransparencyView {
    /// A view holding no checkpoint yet.
    #[uniffi::constructor]
    pub fn new(policy: &LogPolicy) -> Arc<TransparencyView> {
        Arc::new(TransparencyView {
            inner: Mutex::new(lib::TransparencyView::new(policy.inner.clone())),
        })
    }

    /// The checkpoint held.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        lock(&self.inner).checkpoint().map(checkpoint)
    }

    /// Verifies `note` and, when a checkpoint is held, that it extends it (`consistency`:
    /// the RFC 6962 proof from the one held; empty for the first): an older one is
    /// `transparency/rollback`, one that does not extend it `transparency/fork`.
    pub fn update(&self, note: Bytes, consistency: Bytes) -> Result<Checkpoint> {
        Ok(checkpoint(lock(&self.inner).update(&note, &consistency)?))
    }

    /// Checks that `entry` is in the log at `index` under the checkpoint held and publishes
    /// a position of `chain` (SPEC.md §14.4).
    pub fn verify_published(
        &self,
        chain: &Chain,
        index: u64,
        entry: Bytes,
        inclusion: Bytes,
    ) -> Result<PublishedTail> {
        Ok(published(lock(&self.inner).verify_published(
            &chain.inner,
            index,
            &entry,
            &inclusion,
        )?))
    }

    /// Self-monitoring (SPEC.md §14.5): the user's own entries, newest first, each must be
    /// included and point to the next; every published tail must be a position of `own`
    /// (else `chain/fork`, an alarm) or beyond it (`Ahead`).
    pub fn monitor(&self, own: &Chain, entries: Vec<HistoryEntry>) -> Result<MonitorFinding> {
        let entries: Vec<lib::HistoryEntry> = entries
            .into_iter()
            .map(|e| (e.index, e.entry.0, e.inclusion.0))
            .collect();
        match lock(&self.inner).monitor(&own.inner, &entries)? {
            LibFinding::Consistent => Ok(MonitorFinding::Consistent),
            LibFinding::Ahead { seq } => Ok(MonitorFinding::Ahead { seq }),
            // A finding newer than this binding is never reported as consistent.
            _ => Err(MailsealError::Binding {
                error_class: "binding/unknown_finding".into(),
                detail: "a monitoring finding this binding does not know".into(),
            }),
        }
    }
}
