//! The footer's planner (SPEC.md §11.1) as a binding keeps it between calls, and what a plan
//! says, read the same way by both bindings.

use std::fmt::Display;

use mailseal::identity::ChainState;
use mailseal::keys::{DeviceId, PukPublic, UserId};
use mailseal::mail::envelope::RecipientKind;
use mailseal::mail::footer::{
    DirectoryEntry, MailContext, Plan, PlanNote, PlannedRecipient, SenderState, plan,
};
use mailseal::mail::open::ChainDirectory;
use mailseal::mail::seal::RecipientKey;
use mailseal::transparency::PublishedTail;

use crate::{Error, Share};

/// What the directory says of one planned recipient: the library's [`DirectoryEntry`], owning
/// what that one borrows.
pub enum Entry<S: Share> {
    /// A user with a verified chain and no proof that it is published.
    User(S::Ptr<ChainState>),
    /// A user with a verified chain whose tail the log was shown to publish.
    Published(S::Ptr<ChainState>, PublishedTail),
    /// A user account with no device yet.
    PreProvisioned(UserId),
    /// An address on another mail service.
    External,
    /// A mailing list.
    MailingList,
    /// An address served through a third-party integration.
    Integration,
}

impl<S: Share> Entry<S> {
    /// The user `user` (32 hex digits) as `directory` holds them: their verified chain, with
    /// the proof that its tail is published when the directory has one.
    pub fn in_directory(
        directory: &(impl ChainDirectory + ?Sized),
        user: &str,
    ) -> Result<Self, Error> {
        let user: UserId = user.parse()?;
        match DirectoryEntry::from_directory(directory, &user) {
            Some(DirectoryEntry::PublishedUser(chain, tail)) => {
                Ok(Entry::Published(chain.clone().into(), tail))
            }
            Some(DirectoryEntry::User(chain)) => Ok(Entry::User(chain.clone().into())),
            _ => Err(Error::InvalidArgument(
                "the directory holds no chain for this user",
            )),
        }
    }

    fn entry(&self) -> DirectoryEntry<'_> {
        match self {
            Entry::User(chain) => DirectoryEntry::User(chain),
            Entry::Published(chain, tail) => DirectoryEntry::PublishedUser(chain, *tail),
            Entry::PreProvisioned(user) => DirectoryEntry::PreProvisionedUser(*user),
            Entry::External => DirectoryEntry::External,
            Entry::MailingList => DirectoryEntry::MailingList,
            Entry::Integration => DirectoryEntry::ThirdPartyIntegration,
        }
    }
}

/// A mail being planned: the sender's state and every recipient added so far.
pub struct Planner<S: Share> {
    chain: Option<S::Ptr<ChainState>>,
    device: DeviceId,
    server: Option<RecipientKey>,
    recipients: Vec<(String, RecipientKind, Entry<S>)>,
}

impl<S: Share> Planner<S> {
    /// A sender with its own verified `chain` (`None`: no key yet, every plan is refused),
    /// sending from `device` (32 hex digits).
    pub fn new(chain: Option<S::Ptr<ChainState>>, device: &str) -> Result<Self, mailseal::Error> {
        Ok(Planner {
            chain,
            device: device.parse()?,
            server: None,
            recipients: Vec::new(),
        })
    }

    /// The server's key (a PUK public record), for mail that cannot be E2E.
    pub fn server_key(&mut self, address: String, record: &[u8]) -> Result<(), mailseal::Error> {
        self.server = Some(RecipientKey::server(address, PukPublic::from_cbor(record)?));
        Ok(())
    }

    /// Adds a recipient, addressed as `kind` (the binding checks it is To, CC or BCC).
    pub fn add(&mut self, address: String, kind: RecipientKind, entry: Entry<S>) {
        self.recipients.push((address, kind, entry));
    }

    /// The plan for a mail of this `context`.
    pub fn plan(&self, context: MailContext) -> Plan {
        let sender = SenderState {
            chain: self.chain.as_deref(),
            device: self.device,
            server: self.server.clone(),
        };
        let recipients: Vec<PlannedRecipient<'_>> = self
            .recipients
            .iter()
            .map(|(address, kind, entry)| PlannedRecipient {
                address: address.clone(),
                kind: *kind,
                entry: entry.entry(),
            })
            .collect();
        plan(&sender, &recipients, context)
    }
}

/// The plan's decision as its stable code: `e2e`, `not_e2e` or `refuse` (SPEC.md §11.3).
pub fn decision_code(plan: &Plan) -> &'static str {
    match plan {
        Plan::E2e { .. } => "e2e",
        Plan::NotE2e { .. } => "not_e2e",
        _ => "refuse",
    }
}

/// A reason a mail will not be E2E or cannot be sent, in the library's words.
pub struct PlanReason<'a> {
    /// The stable code.
    pub code: &'static str,
    /// The recipient it is about, if one.
    pub address: Option<&'a str>,
    /// The sentence to show.
    pub text: String,
}

/// Why the mail will not be E2E, or why it cannot be sent (none for an E2E plan), each made
/// into the binding's own form by `each`.
pub fn reasons<T>(plan: &Plan, mut each: impl FnMut(PlanReason<'_>) -> T) -> Vec<T> {
    // The two kinds of reason are different types with the same three readings.
    fn reason<'a>(
        code: &'static str,
        address: Option<&'a str>,
        text: &impl Display,
    ) -> PlanReason<'a> {
        PlanReason {
            code,
            address,
            text: text.to_string(),
        }
    }
    match plan {
        Plan::NotE2e { reasons, .. } => reasons
            .iter()
            .map(|r| each(reason(r.code(), r.address(), r)))
            .collect(),
        Plan::Refuse { reasons } => reasons
            .iter()
            .map(|r| each(reason(r.code(), r.address(), r)))
            .collect(),
        _ => Vec::new(),
    }
}

/// What the sender should see beside the plan (none for a refusal).
pub fn notes(plan: &Plan) -> &[PlanNote] {
    match plan {
        Plan::E2e { notes, .. } | Plan::NotE2e { notes, .. } => notes,
        _ => &[],
    }
}

/// For a note about an escrowed recipient, the escrow administrators' group.
pub fn note_ea_group(note: &PlanNote) -> Option<UserId> {
    match note {
        PlanNote::Escrowed { ea_group, .. } => Some(*ea_group),
        _ => None,
    }
}

/// The recipient keys the plan seals to, with how each is addressed (none for a refusal).
pub fn keys(plan: &Plan) -> &[(RecipientKind, RecipientKey)] {
    match plan {
        Plan::E2e { recipients, .. } | Plan::NotE2e { recipients, .. } => recipients,
        _ => &[],
    }
}
