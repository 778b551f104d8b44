//! The footer: "E2E Encrypted" or "Server Encrypted", planned before sending and decided from
//! cryptographic facts on opening (SPEC.md §11).
//!
//! - [`plan`] tells a sender, before sealing, whether a mail will be E2E and every reason it
//!   will not, or refuses it; [`Plan::apply`] configures a [`MailSealer`] accordingly.
//! - [`classify`] decides the footer of an opened mail. E2E only when an active ordinary
//!   device of the sender's verified chain signed it, the signature verified, the From address
//!   is one of the sender's, and the signed manifest says E2E. Nothing a server controls can
//!   produce that.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::{Error, Misuse};
use crate::identity::{ChainState, EscrowEnrollment};
use crate::keys::{DeviceId, UserId};
use crate::mail::envelope::{Origin, RecipientKind};
use crate::mail::open::ChainDirectory;
use crate::mail::open::{OpenedMail, SenderStatus};
use crate::mail::seal::{MailSealer, RecipientKey};
use crate::transparency::{Publication, PublishedTail};

/// What the directory says of one recipient address. A user is given by the chain the
/// caller verified for them (SPEC.md §12): whether they have an active device, whether their
/// mailbox is escrowed and which key is current are read from it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectoryEntry<'a> {
    /// A user with a verified chain that no key-transparency proof came with: the plan
    /// notes [`PlanNote::RecipientNotPublished`].
    User(&'a ChainState),
    /// A user with a verified chain whose own tail the caller's key-transparency view showed
    /// to be in the log (SPEC.md §14.4); made by [`DirectoryEntry::from_directory`].
    PublishedUser(&'a ChainState, PublishedTail),
    /// A user account with no device yet (pre-provisioned): no chain.
    PreProvisionedUser(UserId),
    /// An address on another mail service.
    External,
    /// A mailing list address (fan-out happens on the server).
    MailingList,
    /// An address served through a third-party integration.
    ThirdPartyIntegration,
}

impl<'a> DirectoryEntry<'a> {
    /// The entry for `user` in a directory of verified chains (a
    /// [`PublishedChains`](crate::transparency::PublishedChains) or any
    /// [`ChainDirectory`]): [`DirectoryEntry::PublishedUser`] when the directory shows the
    /// chain's own tail published, [`DirectoryEntry::User`] otherwise, `None` when it holds no
    /// chain for the user.
    ///
    /// ```
    /// # use mailseal::identity::{self, ChainState};
    /// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
    /// # use rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
    /// # let (suite, alice) = (mailseal::Suite::X25519, UserId::new([1; 16]));
    /// # let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
    /// # let puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
    /// # let chain = ChainState::verify(&[identity::root(suite, alice, &laptop, puk.public(), &["alice@example.com"], 1)?])?;
    /// use mailseal::mail::footer::DirectoryEntry;
    /// // A plain list of verified chains carries no publication proof: the plan will note it.
    /// let held = [&chain];
    /// let entry = DirectoryEntry::from_directory(&held, &alice);
    /// assert!(matches!(entry, Some(DirectoryEntry::User(_))));
    /// assert!(DirectoryEntry::from_directory(&held, &UserId::new([9; 16])).is_none());
    /// # Ok::<(), mailseal::Error>(())
    /// ```
    pub fn from_directory<D: ChainDirectory + ?Sized>(
        directory: &'a D,
        user: &UserId,
    ) -> Option<DirectoryEntry<'a>> {
        let chain = directory.chain(user)?;
        Some(match directory.publication(user) {
            Publication::Published(tail) if tail.seq() == chain.tail().seq => {
                DirectoryEntry::PublishedUser(chain, tail)
            }
            _ => DirectoryEntry::User(chain),
        })
    }
}

/// One recipient as the sender addressed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedRecipient<'a> {
    /// The address.
    pub address: String,
    /// To, CC or BCC.
    pub kind: RecipientKind,
    /// What the directory says.
    pub entry: DirectoryEntry<'a>,
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
pub struct SenderState<'a> {
    /// The sender's own verified chain, if the user has one (a user without a chain has no
    /// key).
    pub chain: Option<&'a ChainState>,
    /// The sending device.
    pub device: DeviceId,
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

/// Something the sender sees beside an E2E (or not-E2E) plan.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanNote {
    /// The recipient's mailbox is escrowed: the account's escrow administrators (this group)
    /// can read the mail too.
    Escrowed {
        /// The recipient's address.
        address: String,
        /// The escrow administrators' group.
        ea_group: UserId,
    },
    /// The recipient had a device revoked without a key rotation: until the recipient's
    /// client rotates, the revoked device may know the key the mail is sealed to.
    KeyRotationDue(String),
    /// The recipient's chain came without the proof that its tail is in the key-transparency
    /// log (SPEC.md §14): the mail is sealed to keys the service served, which nobody else
    /// has confirmed.
    RecipientNotPublished(String),
}

/// Why a mail cannot be sent at all.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefusalReason {
    /// A recipient user whose chain lists no active device: no one to read the mail.
    AllDevicesRevoked(String),
    /// A recipient address the user's chain does not list.
    AddressNotTheUsers(String),
    /// The sender has no chain, hence no mail PUK.
    SenderHasNoKey,
    /// The sending device is not an active ordinary device of the sender's chain.
    SenderDeviceNotActive,
    /// A device of the sender's was revoked without a rotation: rotate first.
    SenderMustRotate,
    /// The mail cannot be E2E and no server key was given to grant access.
    NoServerKey,
    /// External or list recipients in BCC: the envelope cannot route them.
    NonUserInBcc(String),
    /// No recipient at all.
    NoRecipients,
    /// A user already listed (under this or another address, in any of To, CC and BCC): a
    /// mail has one box per user.
    RecipientTwice(String),
    /// A user whose chain is of another suite than the sender's: no box of the mail's suite
    /// can be sealed to it.
    RecipientOfAnotherSuite(String),
}

/// The planner's answer.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Plan {
    /// Every recipient is an active user: the mail will be E2E.
    E2e {
        /// The keys to seal to, with how each was addressed.
        recipients: Vec<(RecipientKind, RecipientKey)>,
        /// What the sender should see (escrowed mailboxes, keys due for rotation, recipients
        /// not shown published in the key-transparency log).
        notes: Vec<PlanNote>,
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
        /// What the sender should see.
        notes: Vec<PlanNote>,
    },
    /// The mail must not be sent, for every reason listed.
    Refuse {
        /// Every reason.
        reasons: Vec<RefusalReason>,
    },
}

/// Plans a mail before sending (SPEC.md §11.1). Pure: reads only its arguments.
///
/// ```
/// # use mailseal::identity::{self, ChainState};
/// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
/// use mailseal::mail::envelope::RecipientKind;
/// use mailseal::mail::footer::{plan, DirectoryEntry, MailContext, Plan, PlannedRecipient, SenderState};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([4; 32]);
/// # let suite = mailseal::Suite::X25519;
/// # let chain_of = |n: u8, address: &str, rng: &mut rand_chacha::ChaCha20Rng| -> Result<(DeviceSecret, ChainState), mailseal::Error> {
/// #     let d = DeviceSecret::generate(suite, DeviceId::new([n; 16]), rng);
/// #     let puk = PukSecret::generate(suite, UserId::new([n; 16]), 1, rng)?;
/// #     let c = ChainState::verify(&[identity::root(suite, UserId::new([n; 16]), &d, puk.public(), &[address], 1)?])?;
/// #     Ok((d, c))
/// # };
/// let (laptop, alice) = chain_of(1, "alice@example.com", &mut rng)?;
/// let (_, bob) = chain_of(2, "bob@example.com", &mut rng)?;
/// let sender = SenderState { chain: Some(&alice), device: laptop.id(), server: None };
/// let to_bob = PlannedRecipient {
///     address: "bob@example.com".into(),
///     kind: RecipientKind::To,
///     entry: DirectoryEntry::User(&bob),
/// };
/// assert!(plan(&sender, &[to_bob.clone()], MailContext::Personal).is_e2e());
/// // An external CC and no server key to give access: refused, and the sender is told why.
/// let dan = PlannedRecipient {
///     address: "dan@elsewhere.example".into(),
///     kind: RecipientKind::Cc,
///     entry: DirectoryEntry::External,
/// };
/// assert!(matches!(plan(&sender, &[to_bob, dan], MailContext::Personal), Plan::Refuse { .. }));
/// # Ok::<(), mailseal::Error>(())
/// ```
pub fn plan(
    sender: &SenderState<'_>,
    recipients: &[PlannedRecipient<'_>],
    context: MailContext,
) -> Plan {
    let mut refusals = Vec::new();
    match sender.chain {
        None => refusals.push(RefusalReason::SenderHasNoKey),
        Some(chain) => {
            let active = chain
                .device(&sender.device)
                .is_some_and(|d| d.is_active() && d.role == crate::identity::DeviceRole::Ordinary);
            if !active {
                refusals.push(RefusalReason::SenderDeviceNotActive);
            }
            if chain.rotation_due() {
                refusals.push(RefusalReason::SenderMustRotate);
            }
        }
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
    let mut notes = Vec::new();
    if recipients.is_empty() {
        refusals.push(RefusalReason::NoRecipients);
    }
    // Sealing's own rules (SPEC.md §6.8): one box per user, the sender's user covered by its
    // own box, every key of the mail's suite. The planner checks them so that an E2E plan
    // always seals.
    let sender_user = sender.chain.map(ChainState::user);
    let suite = sender.chain.map(ChainState::suite);
    let mut seen: Vec<UserId> = Vec::new();
    for r in recipients {
        let a = || r.address.clone();
        let mut non_user = |reason: NotE2eReason| {
            if r.kind == RecipientKind::Bcc {
                refusals.push(RefusalReason::NonUserInBcc(a()));
            }
            reasons.push(reason);
            relayed.push((r.kind, a()));
        };
        match &r.entry {
            DirectoryEntry::User(chain) | DirectoryEntry::PublishedUser(chain, _) => {
                let user = chain.user();
                // Writing to oneself is no second box: the sender's own box covers this user
                // (§6.8), so only other users count as listed.
                if Some(user) != sender_user {
                    if seen.contains(&user) {
                        refusals.push(RefusalReason::RecipientTwice(a()));
                        continue;
                    }
                    seen.push(user);
                }
                if suite.is_some_and(|s| s != chain.suite()) {
                    refusals.push(RefusalReason::RecipientOfAnotherSuite(a()));
                    continue;
                }
                match RecipientKey::from_chain(a(), chain) {
                    Ok(key) => {
                        if let Some(e) = chain.escrow() {
                            notes.push(PlanNote::Escrowed {
                                address: a(),
                                ea_group: e.terms.ea_group,
                            });
                        }
                        if chain.rotation_due() {
                            notes.push(PlanNote::KeyRotationDue(a()));
                        }
                        // SPEC.md §11.1: a recipient chain not shown published is noted.
                        let published = matches!(&r.entry, DirectoryEntry::PublishedUser(c, t) if t.seq() == c.tail().seq);
                        if !published {
                            notes.push(PlanNote::RecipientNotPublished(a()));
                        }
                        keyed.push((r.kind, key));
                    }
                    // Every reason that applies (SPEC.md §11.1), address first.
                    Err(_) => {
                        if !chain.has_address(&r.address) {
                            refusals.push(RefusalReason::AddressNotTheUsers(a()));
                        }
                        if !chain.has_active_device() {
                            refusals.push(RefusalReason::AllDevicesRevoked(a()));
                        }
                    }
                }
            }
            DirectoryEntry::PreProvisionedUser(user) => {
                if seen.contains(user) || Some(*user) == sender_user {
                    refusals.push(RefusalReason::RecipientTwice(a()));
                    continue;
                }
                seen.push(*user);
                if r.kind == RecipientKind::Bcc {
                    refusals.push(RefusalReason::NonUserInBcc(a()));
                }
                reasons.push(NotE2eReason::PreProvisioned(a()));
                held.push((r.kind, a(), *user));
            }
            DirectoryEntry::External => non_user(NotE2eReason::External(a())),
            DirectoryEntry::MailingList => non_user(NotE2eReason::MailingList(a())),
            DirectoryEntry::ThirdPartyIntegration => {
                non_user(NotE2eReason::ThirdPartyIntegration(a()))
            }
        }
    }
    if !reasons.is_empty() && sender.server.is_none() {
        refusals.push(RefusalReason::NoServerKey);
    }
    if !refusals.is_empty() {
        return Plan::Refuse { reasons: refusals };
    }
    match (&sender.server, reasons.is_empty()) {
        (_, true) => Plan::E2e {
            recipients: keyed,
            notes,
        },
        (Some(server), false) => Plan::NotE2e {
            reasons,
            recipients: keyed,
            relayed,
            held,
            server: server.clone(),
            notes,
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
            Plan::E2e { recipients, .. } => {
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
    /// No sender signature, and no other reason says why (a safety net: every unsigned mail
    /// today has an origin or an access-restricted reason).
    Unsigned,
    /// Sealed by the server: system mail, or mail held for a user who had no key yet (origins
    /// 3 and 4; mail from outside says [`ServerEncryptedReason::External`], list mail
    /// [`ServerEncryptedReason::MailingList`]).
    ServerSealed(Origin),
    /// Fanned out by a mailing list (sealed by the server).
    MailingList,
    /// From outside the service (sealed by the server on arrival), or to an address outside
    /// it.
    External,
    /// Signed, but the sender's signed manifest says it is not E2E (the sender gave the
    /// server access).
    FlaggedNotE2eBySender,
    /// Signed by a device the sender's chain has revoked.
    RevokedSenderDevice,
    /// Signed by the sender's escrow device, which the escrow administrators hold.
    SignedByEscrowDevice,
    /// Signed by the sender's backup (recovery code) device, which may not sign mail.
    SignedByBackupDevice,
    /// The From address is not one of the addresses the sender's chain lists.
    FromNotTheSenders,
    /// Read through an access-restricted link.
    AccessRestricted,
    /// This sender's chain was not shown to be in the key-transparency log (SPEC.md §14),
    /// which a mailbox requires unless opened
    /// [`without_key_transparency`](crate::mail::open::Mailbox::without_key_transparency).
    SenderNotPublished,
}

/// A caution to show beside the footer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Caution {
    /// The sender is not among the reader's known contacts: the server could not scan this
    /// mail for spam, so the E2E badge is no endorsement of the sender.
    UnknownSender,
    /// The sender sealed it to an older key generation than the reader's chain had current
    /// (a device revoked since may be able to read it).
    OlderKeyGeneration,
    /// E2E, but the reader does not follow a key-transparency log
    /// ([`Mailbox::without_key_transparency`](crate::mail::open::Mailbox::without_key_transparency))
    /// and the sender's chain was not shown to be published: the keys are the ones the
    /// service served, unconfirmed by anyone else.
    SenderNotCheckedInLog,
    /// E2E, but the sender's mailbox is escrowed: the sender's account administrators can
    /// read the mail through the sender's own copy ([`Classification::sender_escrow`]).
    SenderEscrowed,
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
    /// The reader's mailbox escrow enrollment, from the reader's own chain: disclose it.
    pub escrow: Option<EscrowEnrollment>,
    /// The sender's mailbox escrow enrollment that can read this mail
    /// ([`OpenedMail::sender_escrow`](crate::mail::open::OpenedMail::sender_escrow)).
    pub sender_escrow: Option<EscrowEnrollment>,
    /// Cautions to show beside the footer.
    pub cautions: Vec<Caution>,
}

/// Decides the footer of an opened mail (SPEC.md §11.2). `sender_is_known_contact` is the
/// caller's own knowledge (its contacts), used only for the caution.
///
/// ```
/// # use mailseal::identity::{self, ChainState};
/// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
/// # use mailseal::mail::{open::{open_copy, Mailbox}, seal::{MailSealer, RecipientKey, SenderIdentity}, server::split_envelope};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([11; 32]);
/// # let suite = mailseal::Suite::X25519;
/// # let mut user = |n: u8, address: &str| -> Result<(PukSecret, DeviceSecret, ChainState), mailseal::Error> {
/// #     let puk = PukSecret::generate(suite, UserId::new([n; 16]), 1, &mut rng)?;
/// #     let device = DeviceSecret::generate(suite, DeviceId::new([n; 16]), &mut rng);
/// #     let chain = ChainState::verify(&[identity::root(suite, UserId::new([n; 16]), &device, puk.public(), &[address], 1)?])?;
/// #     Ok((puk, device, chain))
/// # };
/// # let (alice_puk, laptop, alice) = user(1, "alice@example.com")?;
/// # let (bob_puk, _, bob) = user(2, "bob@example.com")?;
/// # let sender = SenderIdentity { address: "alice@example.com", puk: &alice_puk, device: &laptop, chain: &alice };
/// # let mut mail = MailSealer::new(suite, sender, "<m@example.com>", 1)?.to(RecipientKey::from_chain("bob@example.com", &bob)?);
/// # mail.add_piece(b"Hello", &mut rng)?;
/// # let envelope = mail.seal(&mut rng)?;
/// # let copy = split_envelope(&envelope)?.into_iter().find(|c| c.user == bob.user()).unwrap().copy;
/// use mailseal::mail::footer::{classify, Caution, Footer, ServerEncryptedReason};
/// // A plain list of chains shows no publication proof (SPEC.md §14): not E2E by default.
/// let opened = open_copy(&copy, &Mailbox::new(&bob, [&bob_puk]), &[&alice])?;
/// let c = classify(&opened, true);
/// assert_eq!(c.footer, Footer::ServerEncrypted);
/// assert_eq!(c.reasons, [ServerEncryptedReason::SenderNotPublished]);
/// // A deployment without a log says so, and the footer says it too. Bob has never written
/// // with Alice: the cautions a client shows beside the footer.
/// let mailbox = Mailbox::new(&bob, [&bob_puk]).without_key_transparency();
/// let c = classify(&open_copy(&copy, &mailbox, &[&alice])?, false);
/// assert_eq!(c.footer.to_string(), "E2E Encrypted");
/// assert!(c.reasons.is_empty());
/// assert_eq!(c.cautions, [Caution::UnknownSender, Caution::SenderNotCheckedInLog]);
/// println!("{} ({} {})", c.footer, c.cautions[0], c.cautions[1]);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub fn classify(opened: &OpenedMail, sender_is_known_contact: bool) -> Classification {
    let header = opened.header();
    let origin = header.origin();
    // SPEC.md §11.2: one reason per fact, in this order — who signed, whose From, where the
    // mail came from, how it is read, what the sender's manifest says.
    let mut reasons = Vec::new();
    let signed = match opened.sender_status() {
        SenderStatus::VerifiedActiveDevice => true,
        SenderStatus::RevokedDevice => {
            reasons.push(ServerEncryptedReason::RevokedSenderDevice);
            true
        }
        SenderStatus::EscrowDevice => {
            reasons.push(ServerEncryptedReason::SignedByEscrowDevice);
            true
        }
        SenderStatus::BackupDevice => {
            reasons.push(ServerEncryptedReason::SignedByBackupDevice);
            true
        }
        _ => false,
    };
    if signed && !opened.from_is_senders() {
        reasons.push(ServerEncryptedReason::FromNotTheSenders);
    }
    // SPEC.md §11.2 condition 6: a signed mail's sender chain shown to be in the log, unless
    // the reader follows no log (then a caution below says so).
    let published = matches!(opened.sender_publication(), Some(Publication::Published(_)));
    if signed && opened.requires_published_senders() && !published {
        reasons.push(ServerEncryptedReason::SenderNotPublished);
    }
    let external_party = header.to.iter().chain(&header.cc).any(|p| p.user.is_none());
    match origin {
        Origin::SenderDevice => {}
        Origin::InboundExternal => reasons.push(ServerEncryptedReason::External),
        Origin::MailingList => reasons.push(ServerEncryptedReason::MailingList),
        other => reasons.push(ServerEncryptedReason::ServerSealed(other)),
    }
    let external_said = reasons.contains(&ServerEncryptedReason::External);
    // A sender without an account is external, except the service's own system mail.
    let external_sender = header.sender.user.is_none() && origin != Origin::System;
    if !external_said && (external_sender || external_party) {
        reasons.push(ServerEncryptedReason::External);
    }
    if opened.recipient_kind() == RecipientKind::Link {
        reasons.push(ServerEncryptedReason::AccessRestricted);
    }
    if signed && !opened.e2e_flag() {
        reasons.push(ServerEncryptedReason::FlaggedNotE2eBySender);
    }
    // Defensive: an unsigned mail that no reason above explains still says why.
    if !signed && reasons.is_empty() {
        reasons.push(ServerEncryptedReason::Unsigned);
    }
    // SPEC.md §11.2: E2E only for a signature by an active ordinary device of the sender's
    // verified chain, the sender's own From address, origin 0, and the signed manifest's
    // flag; every other case has at least one reason above.
    let e2e = reasons.is_empty()
        && opened.sender_status() == SenderStatus::VerifiedActiveDevice
        && opened.from_is_senders()
        && origin == Origin::SenderDevice
        && opened.e2e_flag();
    let footer = if e2e {
        Footer::E2eEncrypted
    } else {
        Footer::ServerEncrypted
    };
    let mut cautions = Vec::new();
    if e2e && !sender_is_known_contact {
        cautions.push(Caution::UnknownSender);
    }
    if e2e && !published {
        cautions.push(Caution::SenderNotCheckedInLog);
    }
    if e2e && opened.sender_escrow().is_some() {
        cautions.push(Caution::SenderEscrowed);
    }
    if opened.sealed_to_older_generation() {
        cautions.push(Caution::OlderKeyGeneration);
    }
    Classification {
        footer,
        reasons,
        sender: opened.sender_status(),
        escrow: opened.mailbox_escrow().cloned(),
        sender_escrow: opened.sender_escrow().cloned(),
        cautions,
    }
}

// ---- Stable names (SPEC.md §11.3) -----------------------------------------------------------
// What a binding, a log line or a test vector prints: fixed snake-case codes, never `Debug`.

impl Footer {
    /// `e2e_encrypted` or `server_encrypted`.
    pub fn code(self) -> &'static str {
        match self {
            Footer::E2eEncrypted => "e2e_encrypted",
            Footer::ServerEncrypted => "server_encrypted",
        }
    }
}

impl ServerEncryptedReason {
    /// The reason's stable name (the origin of `server_sealed` is the header's).
    pub fn code(self) -> &'static str {
        match self {
            ServerEncryptedReason::Unsigned => "unsigned",
            ServerEncryptedReason::ServerSealed(_) => "server_sealed",
            ServerEncryptedReason::MailingList => "mailing_list",
            ServerEncryptedReason::External => "external",
            ServerEncryptedReason::FlaggedNotE2eBySender => "flagged_not_e2e_by_sender",
            ServerEncryptedReason::RevokedSenderDevice => "revoked_sender_device",
            ServerEncryptedReason::SignedByEscrowDevice => "signed_by_escrow_device",
            ServerEncryptedReason::SignedByBackupDevice => "signed_by_backup_device",
            ServerEncryptedReason::FromNotTheSenders => "from_not_the_senders",
            ServerEncryptedReason::AccessRestricted => "access_restricted",
            ServerEncryptedReason::SenderNotPublished => "sender_not_published",
        }
    }
}

impl Caution {
    /// The caution's stable name.
    pub fn code(self) -> &'static str {
        match self {
            Caution::UnknownSender => "unknown_sender",
            Caution::OlderKeyGeneration => "older_key_generation",
            Caution::SenderNotCheckedInLog => "sender_not_checked_in_log",
            Caution::SenderEscrowed => "sender_escrowed",
        }
    }
}

impl NotE2eReason {
    /// The reason's stable name; [`NotE2eReason::address`] gives its address, if any.
    pub fn code(&self) -> &'static str {
        match self {
            NotE2eReason::External(_) => "external",
            NotE2eReason::PreProvisioned(_) => "pre_provisioned",
            NotE2eReason::MailingList(_) => "mailing_list",
            NotE2eReason::ThirdPartyIntegration(_) => "third_party_integration",
            NotE2eReason::SystemMail => "system_mail",
            NotE2eReason::CalendarMail => "calendar_mail",
        }
    }

    /// The recipient address the reason is about.
    pub fn address(&self) -> Option<&str> {
        match self {
            NotE2eReason::External(a)
            | NotE2eReason::PreProvisioned(a)
            | NotE2eReason::MailingList(a)
            | NotE2eReason::ThirdPartyIntegration(a) => Some(a),
            NotE2eReason::SystemMail | NotE2eReason::CalendarMail => None,
        }
    }
}

impl RefusalReason {
    /// The reason's stable name; [`RefusalReason::address`] gives its address, if any.
    pub fn code(&self) -> &'static str {
        match self {
            RefusalReason::AllDevicesRevoked(_) => "all_devices_revoked",
            RefusalReason::AddressNotTheUsers(_) => "address_not_the_users",
            RefusalReason::SenderHasNoKey => "sender_has_no_key",
            RefusalReason::SenderDeviceNotActive => "sender_device_not_active",
            RefusalReason::SenderMustRotate => "sender_must_rotate",
            RefusalReason::NoServerKey => "no_server_key",
            RefusalReason::NonUserInBcc(_) => "non_user_in_bcc",
            RefusalReason::NoRecipients => "no_recipients",
            RefusalReason::RecipientTwice(_) => "recipient_twice",
            RefusalReason::RecipientOfAnotherSuite(_) => "recipient_of_another_suite",
        }
    }

    /// The recipient address the reason is about.
    pub fn address(&self) -> Option<&str> {
        match self {
            RefusalReason::AllDevicesRevoked(a)
            | RefusalReason::AddressNotTheUsers(a)
            | RefusalReason::NonUserInBcc(a)
            | RefusalReason::RecipientTwice(a)
            | RefusalReason::RecipientOfAnotherSuite(a) => Some(a),
            RefusalReason::NoRecipients
            | RefusalReason::SenderHasNoKey
            | RefusalReason::SenderDeviceNotActive
            | RefusalReason::SenderMustRotate
            | RefusalReason::NoServerKey => None,
        }
    }
}

impl PlanNote {
    /// The note's stable name.
    pub fn code(&self) -> &'static str {
        match self {
            PlanNote::Escrowed { .. } => "escrowed",
            PlanNote::KeyRotationDue(_) => "key_rotation_due",
            PlanNote::RecipientNotPublished(_) => "recipient_not_published",
        }
    }

    /// The recipient address the note is about.
    pub fn address(&self) -> &str {
        match self {
            PlanNote::Escrowed { address, .. }
            | PlanNote::KeyRotationDue(address)
            | PlanNote::RecipientNotPublished(address) => address,
        }
    }
}

// ---- The product's words (SPEC.md §11.3) ----------------------------------------------------
// What a mail client shows: the footer exactly, reasons and cautions as short sentences.

impl fmt::Display for Footer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Footer::E2eEncrypted => "E2E Encrypted",
            Footer::ServerEncrypted => "Server Encrypted",
        })
    }
}

impl fmt::Display for ServerEncryptedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServerEncryptedReason::Unsigned => "The sender did not sign this mail.",
            ServerEncryptedReason::ServerSealed(Origin::System) => {
                "This is a notice from the mail service."
            }
            ServerEncryptedReason::ServerSealed(Origin::HeldForNewUser) => {
                "The service held this mail until your account had a key."
            }
            ServerEncryptedReason::ServerSealed(_) => "The mail service sealed this mail.",
            ServerEncryptedReason::MailingList => "This mail came through a mailing list.",
            ServerEncryptedReason::External => {
                "This mail is from or to someone outside the service."
            }
            ServerEncryptedReason::FlaggedNotE2eBySender => {
                "The sender let the service read this mail."
            }
            ServerEncryptedReason::RevokedSenderDevice => {
                "It was signed by a device the sender has since removed."
            }
            ServerEncryptedReason::SignedByEscrowDevice => {
                "It was signed with the sender's escrow key, which the account's administrators hold."
            }
            ServerEncryptedReason::SignedByBackupDevice => {
                "It was signed with the sender's recovery code, which may not sign mail."
            }
            ServerEncryptedReason::FromNotTheSenders => {
                "The From address is not one of the signer's addresses."
            }
            ServerEncryptedReason::AccessRestricted => "You are reading this through a link.",
            ServerEncryptedReason::SenderNotPublished => {
                "The sender's keys could not be confirmed in the public key log."
            }
        })
    }
}

impl fmt::Display for Caution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Caution::UnknownSender => {
                "You have not written with this sender before: encryption says who sent it, not \
                 that it is safe."
            }
            Caution::OlderKeyGeneration => {
                "This mail was sealed to an older key of yours, which a removed device may hold."
            }
            Caution::SenderNotCheckedInLog => {
                "The sender's keys were not checked against a public key log."
            }
            Caution::SenderEscrowed => {
                "The sender's mailbox is escrowed: the sender's account administrators can read \
                 this mail."
            }
        })
    }
}

impl fmt::Display for NotE2eReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotE2eReason::External(a) => write!(f, "{a} is outside the service."),
            NotE2eReason::PreProvisioned(a) => write!(f, "{a} has not set up encryption yet."),
            NotE2eReason::MailingList(a) => write!(f, "{a} is a mailing list."),
            NotE2eReason::ThirdPartyIntegration(a) => {
                write!(f, "{a} is delivered through an integration.")
            }
            NotE2eReason::SystemMail => f.write_str("System mail is sealed by the service."),
            NotE2eReason::CalendarMail => {
                f.write_str("Calendar notices are sealed by the service.")
            }
        }
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalReason::AllDevicesRevoked(a) => {
                write!(f, "{a} has no active device to read the mail.")
            }
            RefusalReason::AddressNotTheUsers(a) => {
                write!(f, "{a} is not an address of the user it names.")
            }
            RefusalReason::SenderHasNoKey => f.write_str("Your account has no key yet."),
            RefusalReason::SenderDeviceNotActive => {
                f.write_str("This device is not an active device of your account.")
            }
            RefusalReason::SenderMustRotate => {
                f.write_str("A device was removed: update your account's key before sending.")
            }
            RefusalReason::NoServerKey => {
                f.write_str("This mail needs the service's key, which is not available.")
            }
            RefusalReason::NonUserInBcc(a) => {
                write!(f, "{a} cannot be in BCC: only users of the service can.")
            }
            RefusalReason::NoRecipients => f.write_str("The mail has no recipient."),
            RefusalReason::RecipientTwice(a) => {
                write!(f, "{a} is a user the mail already lists.")
            }
            RefusalReason::RecipientOfAnotherSuite(a) => {
                write!(f, "{a} uses keys of another kind than yours.")
            }
        }
    }
}

impl fmt::Display for PlanNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanNote::Escrowed { address, .. } => write!(
                f,
                "{address}'s mailbox is escrowed: the account's administrators can read this mail."
            ),
            PlanNote::KeyRotationDue(a) => write!(
                f,
                "{a} removed a device and has not updated their key: that device may read this mail."
            ),
            PlanNote::RecipientNotPublished(a) => write!(
                f,
                "{a}'s keys could not be confirmed in the public key log."
            ),
        }
    }
}
