//! The footer: "E2E Encrypted" or "Server Encrypted", planned before sending and decided from
//! cryptographic facts on opening (SPEC.md §11).
//!
//! - [`plan`] tells a sender, before sealing, whether a mail will be E2E and every reason it
//!   will not, or refuses it; [`Plan::apply`] configures a [`MailSealer`] accordingly.
//! - [`classify`] decides the footer of an opened mail. E2E only when a device the caller
//!   vouches for as the sender's active device signed it, the signature verified, and the
//!   signed manifest says E2E. Nothing a server controls can produce that.

use alloc::string::String;
use alloc::vec::Vec;

use crate::account::escrow::EscrowDisclosure;
use crate::error::{Error, Misuse};
use crate::keys::{PukPublic, UserId};
use crate::mail::envelope::{Origin, RecipientKind};
use crate::mail::open::{OpenedMail, SenderStatus};
use crate::mail::seal::{MailSealer, RecipientKey};

/// What the caller's key directory says of one recipient address.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectoryEntry {
    /// An active user with a current mail PUK.
    ActiveUser(PukPublic),
    /// A user account with no device yet (pre-provisioned).
    PreProvisionedUser(UserId),
    /// A user whose devices are all revoked: there is no key to encrypt to.
    AllDevicesRevoked(UserId),
    /// An address on another mail service.
    External,
    /// A mailing list address (fan-out happens on the server).
    MailingList,
    /// An address served through a third-party integration.
    ThirdPartyIntegration,
}

/// One recipient as the sender addressed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedRecipient {
    /// The address.
    pub address: String,
    /// To, CC or BCC.
    pub kind: RecipientKind,
    /// What the directory says.
    pub entry: DirectoryEntry,
}

/// What kind of mail this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MailContext {
    /// Mail a user writes.
    #[default]
    Personal,
    /// System mail (notifications the service sends).
    System,
    /// A calendar notice.
    Calendar,
}

/// The sender's own state.
#[derive(Clone, Debug)]
pub struct SenderState {
    /// The sender's current mail PUK, if it has one.
    pub puk: Option<PukPublic>,
    /// Whether the sending device is one of the sender's active devices.
    pub active_device: bool,
    /// The server's key, to give it access when the mail cannot be E2E.
    pub server: Option<RecipientKey>,
}

/// Why a mail will not be E2E. Typed, one per cause and recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotE2eReason {
    /// An external address.
    External(String),
    /// A user with no device yet: the server holds the mail for them.
    PreProvisioned(String),
    /// A mailing list: the server fans it out.
    MailingList(String),
    /// A third-party integration.
    ThirdPartyIntegration(String),
    /// System mail is sealed by the server.
    SystemMail,
    /// Calendar notices are sealed by the server.
    CalendarMail,
}

/// Why a mail cannot be sent at all.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefusalReason {
    /// A recipient user whose devices are all revoked: no key to encrypt to.
    AllDevicesRevoked(String),
    /// The sender has no mail PUK.
    SenderHasNoKey,
    /// The sending device is not an active device of the sender.
    SenderDeviceNotActive,
    /// The mail cannot be E2E and no server key was given to grant access.
    NoServerKey,
    /// External or list recipients in BCC: the envelope cannot route them.
    NonUserInBcc(String),
}

/// The planner's answer.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Plan {
    /// Every recipient is an active user: the mail will be E2E.
    E2e {
        /// The keys to seal to, with how each was addressed.
        recipients: Vec<(RecipientKind, RecipientKey)>,
    },
    /// The mail can be sent but will be Server Encrypted, for every reason listed.
    NotE2e {
        /// Every reason, in recipient order.
        reasons: Vec<NotE2eReason>,
        /// The users to seal to.
        recipients: Vec<(RecipientKind, RecipientKey)>,
        /// Addresses the server relays to (external, lists, integrations).
        relayed: Vec<(RecipientKind, String)>,
        /// Users the server holds the mail for.
        held: Vec<(RecipientKind, String, UserId)>,
        /// The server's key (the sender gives it access).
        server: RecipientKey,
    },
    /// The mail must not be sent, for every reason listed.
    Refuse {
        /// Every reason.
        reasons: Vec<RefusalReason>,
    },
}

/// Plans a mail before sending (SPEC.md §11.1). Pure: reads only its arguments.
pub fn plan(sender: &SenderState, recipients: &[PlannedRecipient], context: MailContext) -> Plan {
    let mut refusals = Vec::new();
    if sender.puk.is_none() {
        refusals.push(RefusalReason::SenderHasNoKey);
    }
    if !sender.active_device {
        refusals.push(RefusalReason::SenderDeviceNotActive);
    }
    let mut reasons = Vec::new();
    match context {
        MailContext::Personal => {}
        MailContext::System => reasons.push(NotE2eReason::SystemMail),
        MailContext::Calendar => reasons.push(NotE2eReason::CalendarMail),
    }
    let mut keyed = Vec::new();
    let mut relayed = Vec::new();
    let mut held = Vec::new();
    for r in recipients {
        let a = || r.address.clone();
        let non_user = |reason: NotE2eReason,
                        refusals: &mut Vec<_>,
                        reasons: &mut Vec<_>,
                        relayed: &mut Vec<_>| {
            if r.kind == RecipientKind::Bcc {
                refusals.push(RefusalReason::NonUserInBcc(r.address.clone()));
            }
            reasons.push(reason);
            relayed.push((r.kind, r.address.clone()));
        };
        match &r.entry {
            DirectoryEntry::ActiveUser(puk) => {
                keyed.push((r.kind, RecipientKey::new(a(), puk.clone())))
            }
            DirectoryEntry::PreProvisionedUser(user) => {
                if r.kind == RecipientKind::Bcc {
                    refusals.push(RefusalReason::NonUserInBcc(a()));
                }
                reasons.push(NotE2eReason::PreProvisioned(a()));
                held.push((r.kind, a(), *user));
            }
            DirectoryEntry::AllDevicesRevoked(_) => {
                refusals.push(RefusalReason::AllDevicesRevoked(a()))
            }
            DirectoryEntry::External => non_user(
                NotE2eReason::External(a()),
                &mut refusals,
                &mut reasons,
                &mut relayed,
            ),
            DirectoryEntry::MailingList => non_user(
                NotE2eReason::MailingList(a()),
                &mut refusals,
                &mut reasons,
                &mut relayed,
            ),
            DirectoryEntry::ThirdPartyIntegration => non_user(
                NotE2eReason::ThirdPartyIntegration(a()),
                &mut refusals,
                &mut reasons,
                &mut relayed,
            ),
        }
    }
    if !reasons.is_empty() && sender.server.is_none() {
        refusals.push(RefusalReason::NoServerKey);
    }
    if !refusals.is_empty() {
        return Plan::Refuse { reasons: refusals };
    }
    match (&sender.server, reasons.is_empty()) {
        (_, true) => Plan::E2e { recipients: keyed },
        (Some(server), false) => Plan::NotE2e {
            reasons,
            recipients: keyed,
            relayed,
            held,
            server: server.clone(),
        },
        // Unreachable: a missing server key with reasons was refused above.
        (None, false) => Plan::Refuse {
            reasons: alloc::vec![RefusalReason::NoServerKey],
        },
    }
}

impl Plan {
    /// Adds the plan's recipients (and, for a not-E2E plan, the server's box and the relayed
    /// and held addresses) to `sealer`. A refused plan is [`Misuse::PlanRefused`].
    pub fn apply<'a>(&self, mut sealer: MailSealer<'a>) -> Result<MailSealer<'a>, Error> {
        let add = |sealer: MailSealer<'a>, kind: RecipientKind, r: &RecipientKey| match kind {
            RecipientKind::Cc => sealer.cc(r.clone()),
            RecipientKind::Bcc => sealer.bcc(r.clone()),
            _ => sealer.to(r.clone()),
        };
        match self {
            Plan::Refuse { .. } => Err(Misuse::PlanRefused.into()),
            Plan::E2e { recipients } => {
                Ok(recipients.iter().fold(sealer, |s, (k, r)| add(s, *k, r)))
            }
            Plan::NotE2e {
                recipients,
                relayed,
                held,
                server,
                ..
            } => {
                sealer = recipients.iter().fold(sealer, |s, (k, r)| add(s, *k, r));
                sealer = relayed
                    .iter()
                    .fold(sealer, |s, (k, a)| s.external(*k, a.clone()));
                sealer = held
                    .iter()
                    .fold(sealer, |s, (k, a, u)| s.unprovisioned(*k, a.clone(), *u));
                Ok(sealer.server_access(server.clone()))
            }
        }
    }

    /// Whether the plan leads to E2E mail.
    pub fn is_e2e(&self) -> bool {
        matches!(self, Plan::E2e { .. })
    }
}

/// The footer a mail shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Footer {
    /// "E2E Encrypted".
    E2eEncrypted,
    /// "Server Encrypted".
    ServerEncrypted,
}

/// Why an opened mail is Server Encrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEncryptedReason {
    /// No sender signature (sealed by the server).
    Unsigned,
    /// Sealed by the server on arrival, with its origin.
    ServerSealed(Origin),
    /// Fanned out by a mailing list.
    MailingList,
    /// From or to an address outside the service.
    External,
    /// Signed, but the sender's signed manifest says it is not E2E (the sender gave the
    /// server access).
    FlaggedNotE2eBySender,
    /// Signed by a device the caller's directory marks revoked.
    RevokedSenderDevice,
    /// Read through an access-restricted link.
    AccessRestricted,
}

/// A caution to show with an E2E footer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Caution {
    /// The sender is not among the reader's known contacts: the server could not scan this
    /// mail for spam, so the E2E badge is no endorsement of the sender.
    UnknownSender,
}

/// The classification of an opened mail (SPEC.md §11.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// The footer to show.
    pub footer: Footer,
    /// Every reason it is Server Encrypted (empty when E2E).
    pub reasons: Vec<ServerEncryptedReason>,
    /// Who signed it.
    pub sender: SenderStatus,
    /// The reader's mailbox escrow enrollment, to disclose, if escrow is on.
    pub escrow: Option<EscrowDisclosure>,
    /// A caution to show with an E2E footer.
    pub caution: Option<Caution>,
}

/// Decides the footer of an opened mail (SPEC.md §11.2). `sender_is_known_contact` is the
/// caller's own knowledge (its contacts), used only for the caution.
pub fn classify(opened: &OpenedMail, sender_is_known_contact: bool) -> Classification {
    let header = opened.header();
    let origin = header.origin();
    let mut reasons = Vec::new();
    match opened.sender_status() {
        SenderStatus::VerifiedActiveDevice => {}
        SenderStatus::RevokedDevice => reasons.push(ServerEncryptedReason::RevokedSenderDevice),
        _ => reasons.push(ServerEncryptedReason::Unsigned),
    }
    if origin != Origin::SenderDevice {
        reasons.push(ServerEncryptedReason::ServerSealed(origin));
    }
    if origin == Origin::MailingList {
        reasons.push(ServerEncryptedReason::MailingList);
    }
    let external_party = header.to.iter().chain(&header.cc).any(|p| p.user.is_none());
    if origin == Origin::InboundExternal || header.sender.user.is_none() || external_party {
        reasons.push(ServerEncryptedReason::External);
    }
    if opened.recipient_kind() == RecipientKind::Link {
        reasons.push(ServerEncryptedReason::AccessRestricted);
    }
    let signed = matches!(
        opened.sender_status(),
        SenderStatus::VerifiedActiveDevice | SenderStatus::RevokedDevice
    );
    if signed && !opened.e2e_flag() {
        reasons.push(ServerEncryptedReason::FlaggedNotE2eBySender);
    }
    // SPEC.md §11.2: E2E only for a verified active device's signature, origin 0, and the
    // signed manifest's flag; every other case has at least one reason above.
    let e2e = reasons.is_empty()
        && opened.sender_status() == SenderStatus::VerifiedActiveDevice
        && origin == Origin::SenderDevice
        && opened.e2e_flag();
    let footer = if e2e {
        Footer::E2eEncrypted
    } else {
        Footer::ServerEncrypted
    };
    Classification {
        footer,
        reasons,
        sender: opened.sender_status(),
        escrow: opened.mailbox_escrow().cloned(),
        caution: (e2e && !sender_is_known_contact).then_some(Caution::UnknownSender),
    }
}
