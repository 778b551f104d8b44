//! The footer (SPEC.md §11): the planner before sending, the classification after opening,
//! each decision as its stable code and the library's sentence.

use std::sync::{Arc, Mutex};

use mailseal::identity::ChainState;
use mailseal::mail::footer::{
    self as lib, Classification as LibClassification, MailContext as LibContext,
};
use mailseal_bindings_shared::MultiThread;
use mailseal_bindings_shared::footer as shared;

use crate::bytes::Bytes;
use crate::chain::{Chain, Directory, EscrowEnrollment, enrollment};
use crate::convert::{self, RecipientKind, lock};
use crate::error::Result;

/// A stable code (SPEC.md §11.3) and the library's sentence for it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Worded {
    /// The stable code, for example `sender_not_verified`.
    pub code: String,
    /// The sentence to show.
    pub text: String,
}

/// The footer of an opened mail (SPEC.md §11.2).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Classification {
    /// What to show: "E2E Encrypted" or "Server Encrypted".
    pub footer: String,
    /// `e2e_encrypted` or `server_encrypted`.
    pub code: String,
    /// Who signed it: `verified_active_device`, `revoked_device`, `escrow_device`,
    /// `backup_device` or `unsigned`.
    pub sender: String,
    /// Why it is not E2E.
    pub reasons: Vec<Worded>,
    /// What the reader should be told beside the footer.
    pub cautions: Vec<Worded>,
    /// The reader's own escrow enrollment, disclosed beside the footer.
    pub escrow: Option<EscrowEnrollment>,
    /// The sender's escrow enrollment that can read this mail (SPEC.md §11.2), disclosed too.
    pub sender_escrow: Option<EscrowEnrollment>,
}

fn worded(code: &str, text: &impl std::fmt::Display) -> Worded {
    Worded {
        code: code.into(),
        text: text.to_string(),
    }
}

pub(crate) fn classification(c: &LibClassification) -> Classification {
    Classification {
        footer: c.footer.to_string(),
        code: c.footer.code().into(),
        sender: c.sender.code().into(),
        reasons: c.reasons.iter().map(|r| worded(r.code(), r)).collect(),
        cautions: c.cautions.iter().map(|r| worded(r.code(), r)).collect(),
        escrow: c.escrow.as_ref().map(enrollment),
        sender_escrow: c.sender_escrow.as_ref().map(enrollment),
    }
}

/// What kind of mail a plan is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum MailContext {
    /// Mail a user writes.
    Personal,
    /// System mail (notifications the service sends).
    System,
    /// A calendar notice.
    Calendar,
}

/// What the directory says of one planned recipient.
type Entry = shared::Entry<MultiThread>;

/// Plans a mail before it is sealed (SPEC.md §11.1): add every recipient as the directory
/// knows them, then `plan()`.
#[derive(uniffi::Object)]
pub struct Planner {
    inner: Mutex<shared::Planner<MultiThread>>,
}

impl Planner {
    fn make(chain: Option<Arc<ChainState>>, device: &str) -> Result<Arc<Planner>> {
        Ok(Arc::new(Planner {
            inner: Mutex::new(shared::Planner::new(chain, device)?),
        }))
    }

    fn add(&self, address: String, kind: RecipientKind, entry: Entry) -> Result<()> {
        let kind = kind.addressed()?;
        lock(&self.inner).add(address, kind, entry);
        Ok(())
    }
}

#[uniffi::export]
impl Planner {
    /// The sender's state: its own verified chain and the sending device's id.
    #[uniffi::constructor]
    pub fn new(chain: &Chain, device: &str) -> Result<Arc<Planner>> {
        Planner::make(Some(chain.inner.clone()), device)
    }

    /// A sender whose user has no chain (no key) yet: every plan is refused.
    #[uniffi::constructor]
    pub fn without_key(device: &str) -> Result<Arc<Planner>> {
        Planner::make(None, device)
    }

    /// The server's key (a PUK record), for mail that cannot be E2E.
    pub fn server_key(&self, address: String, record: Bytes) -> Result<()> {
        Ok(lock(&self.inner).server_key(address, &record)?)
    }

    /// A recipient who is a user with a verified chain.
    pub fn user(&self, address: String, kind: RecipientKind, chain: &Chain) -> Result<()> {
        self.add(address, kind, Entry::User(chain.inner.clone()))
    }

    /// A recipient who is a user as `directory` holds them (`user`: their id): their verified
    /// chain, and the proof that its tail is in the key-transparency log when the directory
    /// has one (`Directory.add_published`). Without the proof the plan notes
    /// `recipient_not_published`. A user the directory does not hold is refused.
    pub fn user_in_directory(
        &self,
        address: String,
        kind: RecipientKind,
        directory: &Directory,
        user: &str,
    ) -> Result<()> {
        let entry = Entry::in_directory(&directory.snapshot(), user)?;
        self.add(address, kind, entry)
    }

    /// A user account with no device yet.
    pub fn pre_provisioned(&self, address: String, kind: RecipientKind, user: &str) -> Result<()> {
        let user = convert::user_id(user)?;
        self.add(address, kind, Entry::PreProvisioned(user))
    }

    /// An address on another mail service.
    pub fn external(&self, address: String, kind: RecipientKind) -> Result<()> {
        self.add(address, kind, Entry::External)
    }

    /// A mailing list (the server fans it out).
    pub fn mailing_list(&self, address: String, kind: RecipientKind) -> Result<()> {
        self.add(address, kind, Entry::MailingList)
    }

    /// An address served through a third-party integration.
    pub fn integration(&self, address: String, kind: RecipientKind) -> Result<()> {
        self.add(address, kind, Entry::Integration)
    }

    /// The plan for a mail of this `context`.
    pub fn plan(&self, context: MailContext) -> Arc<Plan> {
        let context = match context {
            MailContext::Personal => LibContext::Personal,
            MailContext::System => LibContext::System,
            MailContext::Calendar => LibContext::Calendar,
        };
        Arc::new(Plan {
            inner: lock(&self.inner).plan(context),
        })
    }
}

/// The planner's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PlanDecision {
    /// The mail will be end-to-end encrypted.
    E2e,
    /// The mail can be sent, but not end-to-end encrypted (`reasons` say why).
    NotE2e,
    /// The mail cannot be sent (`reasons` say why).
    Refuse,
}

/// Why a mail will not be E2E or cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PlanReason {
    /// The stable code.
    pub code: String,
    /// The recipient it is about, if one.
    pub address: Option<String>,
    /// The sentence to show.
    pub text: String,
}

/// What the sender should see beside the plan.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PlanNote {
    /// The stable code.
    pub code: String,
    /// The recipient it is about.
    pub address: String,
    /// For an escrowed recipient, the escrow administrators' group.
    pub ea_group: Option<String>,
    /// The sentence to show.
    pub text: String,
}

/// A recipient key a plan seals to.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PlannedKey {
    /// How it is addressed.
    pub kind: RecipientKind,
    /// The address.
    pub address: String,
    /// The user (or server key) id.
    pub user: String,
}

/// The planner's answer: E2E, not E2E (and why), or refused (and why). Apply it to a
/// `MailSealer` with `apply_plan`.
#[derive(uniffi::Object)]
pub struct Plan {
    pub(crate) inner: lib::Plan,
}

#[uniffi::export]
impl Plan {
    /// E2E, not E2E, or refused.
    pub fn decision(&self) -> PlanDecision {
        match &self.inner {
            lib::Plan::E2e { .. } => PlanDecision::E2e,
            lib::Plan::NotE2e { .. } => PlanDecision::NotE2e,
            _ => PlanDecision::Refuse,
        }
    }

    /// The decision's stable code: `e2e`, `not_e2e` or `refuse` (SPEC.md §11.3).
    pub fn decision_code(&self) -> String {
        shared::decision_code(&self.inner).into()
    }

    /// Why the mail will not be E2E, or why it cannot be sent.
    pub fn reasons(&self) -> Vec<PlanReason> {
        shared::reasons(&self.inner, |r| PlanReason {
            code: r.code.into(),
            address: r.address.map(Into::into),
            text: r.text,
        })
    }

    /// What the sender should see beside the plan.
    pub fn notes(&self) -> Vec<PlanNote> {
        shared::notes(&self.inner)
            .iter()
            .map(|n| PlanNote {
                code: n.code().into(),
                address: n.address().into(),
                ea_group: shared::note_ea_group(n).map(|g| g.to_string()),
                text: n.to_string(),
            })
            .collect()
    }

    /// The recipients it seals to.
    pub fn recipients(&self) -> Vec<PlannedKey> {
        shared::keys(&self.inner)
            .iter()
            .map(|(kind, r)| PlannedKey {
                kind: RecipientKind::of(*kind),
                address: r.address.clone(),
                user: r.puk.user.to_string(),
            })
            .collect()
    }
}
