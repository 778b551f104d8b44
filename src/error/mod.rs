//! Typed errors, split by cause.
//!
//! Every failure names the check that failed (SPEC.md gives the order in which checks run), so
//! a caller can tell malformed input from a failed authentication, an unsupported suite, its
//! own misuse, or a limit. No variant carries attacker-chosen text.

mod class;
mod text;

/// Every error this crate returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not have the required structure (lengths, layout, encoding).
    Malformed(Malformed),
    /// A cryptographic check failed: the input was altered, or the key is not the right one.
    Authentication(AuthFailure),
    /// The input names a version or suite this build does not implement.
    Unsupported(Unsupported),
    /// The caller used the API in a way it does not allow.
    Misuse(Misuse),
    /// The input exceeds a documented limit; nothing was allocated for it.
    LimitExceeded(Limit),
    /// The copy holds no box for the caller's user and PUK generations.
    NotARecipient,
    /// A user's chain of signed links (SPEC.md §12) does not verify, does not extend the
    /// view the caller holds, or is behind what the input needs.
    Chain(ChainError),
    /// A key-transparency check failed (SPEC.md §14).
    Transparency(crate::transparency::TransparencyError),
}

/// Why a chain, or a view of one, was refused (SPEC.md §12.4–12.5). `seq` is the sequence
/// number of the link at fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainError {
    /// The first link is not a root. (A root later in a chain fails its sequence check
    /// first: [`ChainError::Sequence`].)
    NotRoot {
        /// The link.
        seq: u64,
    },
    /// A link's sequence number is not the next one (a gap or a repeat).
    Sequence {
        /// The link.
        seq: u64,
    },
    /// A link does not name the previous link's hash.
    PreviousHash {
        /// The link.
        seq: u64,
    },
    /// A link of another user's chain (replayed).
    OtherUser {
        /// The link.
        seq: u64,
    },
    /// A link under another suite than the root's.
    OtherSuite {
        /// The link.
        seq: u64,
    },
    /// A link type this version does not know.
    UnknownType {
        /// The link.
        seq: u64,
    },
    /// Not exactly the signatures the link type requires, by the devices it requires, in
    /// order.
    Signatures {
        /// The link.
        seq: u64,
    },
    /// A signature that does not verify.
    BadSignature {
        /// The link.
        seq: u64,
    },
    /// Signed by a device that is unknown or revoked.
    SignerNotActive {
        /// The link.
        seq: u64,
    },
    /// Signed, or added, by a device whose role may not (an escrow or backup device approving
    /// a device, a virtual device of the wrong kind).
    RoleMayNot {
        /// The link.
        seq: u64,
    },
    /// Revokes a device that is not active.
    DeviceNotActive {
        /// The link.
        seq: u64,
    },
    /// Reuses a device id, verifying key, encryption key or PUK key the chain already had.
    Reused {
        /// The link.
        seq: u64,
    },
    /// A PUK generation that is not the next one, or a signed revocation without rotation.
    Generation {
        /// The link.
        seq: u64,
    },
    /// An escrow transition that is not admissible: enabled twice, disabled when off,
    /// its device revoked other than by disabling escrow, or terms that do not match the
    /// administrators' chain.
    Escrow {
        /// The link.
        seq: u64,
    },
    /// A recovery while an ordinary device is still active, or without the co-signature its
    /// recoverer needs.
    Recovery {
        /// The link.
        seq: u64,
    },
    /// An address list that is empty, too long, or names an address twice.
    Addresses {
        /// The link.
        seq: u64,
    },
    /// A view that differs from the one the caller verified before, at this link: a fork.
    Fork {
        /// The first link that differs.
        seq: u64,
    },
    /// A view shorter than the one the caller verified before: a rollback.
    Rollback {
        /// Links the caller has.
        have: u64,
        /// Links the view has.
        served: u64,
    },
    /// The caller's view of `user`'s chain ends before the link the input binds: fetch more
    /// of the chain, then try again.
    Behind {
        /// Whose chain: the user id's bytes (plain bytes keep the error module free of key
        /// types, and cross a language binding as they are).
        user: [u8; 16],
        /// Links the caller has.
        have: u64,
        /// Links the input needs.
        need: u64,
    },
}

/// Structural problems found before any cryptography runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// A piece header is not exactly [`crate::piece::HEADER_LEN`] bytes.
    PieceHeaderLength,
    /// A piece ciphertext ended before the final chunk's tag was complete.
    PieceTruncated,
    /// A piece ciphertext length cannot be split into valid chunks.
    PieceLength,
    /// A chunk handed to the random-access reader does not have the length its position requires.
    ChunkLength {
        /// Index of the chunk.
        index: u64,
    },
    /// A final chunk with no plaintext in a piece that has earlier chunks (SPEC.md §3.5).
    EmptyFinalChunk,
    /// Bytes that are not the canonical CBOR of the expected structure (SPEC.md §4.1).
    Cbor(CborError),
    /// A field has a length or value the format does not allow.
    Field(Field),
    /// A public key that does not decode, or is a low-order or otherwise weak point.
    PublicKey,
    /// The plaintext of a recipient box does not have the fixed layout of SPEC.md §6.4.
    BoxPlaintext,
    /// A link fragment that is not `ms1` and 128 lowercase hex digits.
    LinkFragment,
    /// A recovery code that does not decode.
    RecoveryCode(RecoveryCodeError),
    /// A piece's tag list (header and chunk tags, SPEC.md §3.8) not of the length the
    /// piece's ciphertext length implies.
    TagList,
    /// The manifest disagrees with the routing header (piece count or sizes).
    ManifestMismatch,
    /// A piece ciphertext's length is not the one the routing header states.
    PieceSize {
        /// Index of the piece.
        index: usize,
    },
}

/// Which part of the canonical-CBOR rules input broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CborError {
    /// The input ended inside an item.
    Truncated,
    /// An integer or length not in its shortest form.
    NonMinimal,
    /// An indefinite-length string, array or map.
    IndefiniteLength,
    /// A tag (major type 6).
    Tag,
    /// A float, or a simple value other than false, true and null.
    SimpleOrFloat,
    /// Additional information 28–30.
    Reserved,
    /// A declared length longer than the rest of the input.
    LengthExceedsInput,
    /// A text string that is not UTF-8.
    InvalidUtf8,
    /// Bytes after the one top-level item.
    TrailingBytes,
    /// Well-formed CBOR of the wrong shape: unknown, missing or duplicate keys, wrong types.
    Schema,
    /// Decodes, but is not the one canonical encoding (for example, map keys out of order).
    NotCanonical,
}

/// Fields whose value is out of range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// An email address: empty, too long, or with control characters.
    Address,
    /// The message id: empty, too long, or with control characters.
    MessageId,
    /// A recipient kind code not in SPEC.md §6.2.
    RecipientKind,
    /// A recipient listed twice, or the sender's own box missing or doubled.
    RecipientSet,
    /// An HPKE encapsulated key or box ciphertext of the wrong length for the suite.
    BoxLength,
    /// A PUK generation of 0.
    Generation,
    /// A user-data type label: empty, longer than 64 bytes, or with control characters.
    UserDataType,
    /// A domain name: empty, too long, or with characters a domain cannot have.
    Domain,
    /// An origin code not in SPEC.md §6.1, or sender fields that do not fit the origin.
    Origin,
    /// An expiry missing where a link box needs one, or present where none is allowed.
    Expiry,
    /// A device role code not in SPEC.md §12.4.
    DeviceRole,
    /// A user or device id in text that is not 32 hexadecimal digits.
    Id,
    /// A chain tail missing where the box or header needs one, or present where none belongs
    /// (SPEC.md §6.4), or at position 0.
    ChainTail,
    /// Text that is not the text form SPEC.md §5.6 gives a public record, chain tail or
    /// security code: wrong prefix, a character outside the alphabet, padding, set unused
    /// bits, or the wrong number of digits.
    TextForm,
}

/// Why a recovery code was refused (SPEC.md §7.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecoveryCodeError {
    /// Not 28 symbols once separators are removed.
    Length,
    /// A character outside the code's alphabet.
    Character,
    /// The check symbols do not match: a typo.
    Checksum,
}

/// Cryptographic checks that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// The key commitment in the piece header does not match the key: wrong key, or an
    /// altered header. Checked before any chunk is decrypted.
    KeyCommitment,
    /// A chunk's tag did not verify at its position (altered, reordered, from another piece,
    /// or cut short).
    Chunk {
        /// Index of the chunk that failed.
        index: u64,
    },
    /// The ciphertext ended after a non-final chunk: the final chunk is missing.
    FinalChunkMissing,
    /// A chunk that verifies as final is followed by more data (a second final chunk,
    /// or bytes appended after the end).
    DataAfterFinalChunk {
        /// Index of the final chunk that was not last.
        index: u64,
    },
    /// The piece's digest is not the one the caller expected.
    PieceDigest,
    /// The recipient box did not open (HPKE): not sealed to this key, or sealed for another
    /// message, header or recipient.
    RecipientBox,
    /// The mail names a sender device that is not a device of the sender's chain as the
    /// caller verified it (or the caller holds no chain for the sender).
    UnknownSigner,
    /// The sender device's signature does not verify.
    Signature,
    /// The manifest did not open under the message key.
    Manifest,
    /// The sender record of the sender's own copy did not open or does not match the signed
    /// recipient list.
    RecipientList,
    /// The BCC string does not match its commitment.
    BccCommitment,
    /// A seed wrap or escrow wrap did not open, or what it carried does not match the keys it
    /// names.
    Wrap,
    /// A user-data blob did not open under the key its binding derives (wrong user, type,
    /// message or version, or altered).
    UserData,
    /// A user-data blob older than the version the caller remembers (a replay).
    Rollback,
    /// The link copy's digest is not the one its fragment pins: not the mail the sender linked.
    LinkDigest,
    /// The access-restricted mail's expiry has passed (by the caller's clock).
    LinkExpired,
    /// A box whose kind (signed or unsigned) contradicts the header's origin.
    BoxKind,
    /// An abuse report of mail no sender's device signed (server-sealed mail): there is no
    /// signature to prove what was sent (SPEC.md §13).
    UnsignedMail,
    /// An abuse report whose reporting device is not an active ordinary device of the
    /// reporter's chain.
    Reporter,
    /// An abuse report whose reporter signature does not verify over its exact bytes.
    ReportSignature,
}

/// Versions and suites this build does not implement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsupported {
    /// Unknown suite identifier.
    Suite(u16),
    /// Unknown format version.
    Version(u64),
}

/// Ways the caller used the API wrongly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misuse {
    /// A stream was used again after it returned an error; it fails closed from then on.
    StreamFailed,
    /// A chunk index past the last chunk of the piece.
    ChunkIndexOutOfRange {
        /// The index asked for.
        index: u64,
    },
    /// A piece index past the last piece of the mail.
    PieceIndexOutOfRange {
        /// The index asked for.
        index: usize,
    },
    /// Escrow asked for on a shared (not custom) mail domain, or for a member whose address is
    /// not on the account's domain.
    EscrowNeedsCustomDomain,
    /// A key of one suite used with material of another.
    SuiteMismatch,
    /// External or not-yet-provisioned recipients without giving the server access.
    NeedsServerAccess,
    /// Access-restricted mail sealed with `seal`, or other mail with `seal_restricted`.
    LinkNeedsSealRestricted,
    /// Server sealing asked to produce device-signed mail.
    ServerCannotSign,
    /// A refused plan applied to a sealer.
    PlanRefused,
    /// A mail with no recipient at all (for a draft, use the draft entry point).
    NoRecipients,
    /// A draft given recipients.
    DraftWithRecipients,
    /// A mail sealed without any piece (it needs at least its body).
    NoPieces,
    /// Server sealing asked to name a local user in To or CC without sealing a box for them.
    NamedUserWithoutBox,
    /// A device signing a link draft that does not need its signature.
    NotARequiredSigner,
    /// A link draft finished before every required device signed.
    MissingSignature,
    /// Escrow asked to be turned off where the chain has it off.
    EscrowNotEnabled,
    /// A report asked of a mail that carries no sender signature (server-sealed mail, or
    /// mail read through an access-restricted link).
    ReportOfUnsignedMail,
    /// A report asked of the sender's own copy or of the server's box: only a recipient's copy
    /// (To, CC or BCC) can be reported.
    ReportNotByRecipient,
    /// A key-transparency log or policy set up wrong: an origin or witness name that is
    /// empty or holds a space, a `+` or a line break (c2sp.org/signed-note key names), or a
    /// witness threshold of 0 or above the number of witnesses.
    InvalidLogSetup,
    /// A recipient address that is not one of the recipient's chain's addresses.
    AddressNotInChain,
    /// A recipient user with no active ordinary device: nobody could read the mail.
    NoActiveDevice,
    /// A recipient key without its chain tail in device-signed mail (use
    /// [`crate::mail::envelope::RecipientKey::from_chain`]).
    RecipientWithoutChain,
    /// The sending device is not an active ordinary device of the sender's chain.
    SenderDeviceNotActive,
    /// The sender's address is not one of its chain's addresses.
    SenderAddressNotInChain,
    /// The sender's PUK is not its chain's current generation.
    StaleSenderKey,
    /// A device was revoked without a PUK rotation: rotate before sealing.
    RotationDue,
}

/// Documented limits (SPEC.md §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// A piece would need more than [`crate::piece::MAX_CHUNKS`] chunks.
    ChunkCounter,
    /// CBOR nested deeper than [`crate::wire::canonical::MAX_DEPTH`].
    NestingDepth,
    /// An envelope or copy larger than [`crate::mail::envelope::MAX_ENVELOPE_LEN`].
    EnvelopeSize,
    /// A routing header larger than [`crate::mail::envelope::MAX_HEADER_LEN`].
    HeaderSize,
    /// A manifest larger than [`crate::mail::envelope::MAX_MANIFEST_LEN`].
    ManifestSize,
    /// A sender record larger than [`crate::mail::envelope::MAX_SENDER_RECORD_LEN`].
    SenderRecordSize,
    /// More recipients than [`crate::mail::envelope::MAX_RECIPIENTS`].
    Recipients,
    /// More pieces than [`crate::mail::envelope::MAX_PIECES`].
    Pieces,
    /// A piece larger than [`crate::mail::envelope::MAX_PIECE_LEN`].
    PieceSize,
    /// A BCC string longer than [`crate::mail::envelope::MAX_BCC_LEN`].
    BccSize,
    /// A public-key record longer than [`crate::keys::MAX_PUBLIC_RECORD_LEN`].
    PublicRecordSize,
    /// A seed wrap, batch or escrow wrap over its size or count limit.
    WrapSize,
    /// A user-data blob larger than [`crate::account::userdata::MAX_USER_DATA_LEN`].
    UserDataSize,
    /// More devices than [`crate::account::devices::MAX_DEVICES`].
    Devices,
    /// A chain link larger than [`crate::identity::MAX_LINK_LEN`].
    LinkSize,
    /// A chain or segment longer than [`crate::identity::MAX_CHAIN_LINKS`] links or
    /// [`crate::identity::MAX_CHAIN_SEGMENT_LEN`] bytes.
    ChainLength,
    /// An abuse report larger than [`crate::mail::report::MAX_REPORT_LEN`].
    ReportSize,
    /// A key-transparency log entry larger than [`crate::transparency::MAX_ENTRY_LEN`].
    LogEntrySize,
}

impl From<Malformed> for Error {
    fn from(e: Malformed) -> Self {
        Error::Malformed(e)
    }
}
impl From<AuthFailure> for Error {
    fn from(e: AuthFailure) -> Self {
        Error::Authentication(e)
    }
}
impl From<Unsupported> for Error {
    fn from(e: Unsupported) -> Self {
        Error::Unsupported(e)
    }
}
impl From<Misuse> for Error {
    fn from(e: Misuse) -> Self {
        Error::Misuse(e)
    }
}
impl From<ChainError> for Error {
    fn from(e: ChainError) -> Self {
        Error::Chain(e)
    }
}
impl From<crate::transparency::TransparencyError> for Error {
    fn from(e: crate::transparency::TransparencyError) -> Self {
        Error::Transparency(e)
    }
}
impl From<Limit> for Error {
    fn from(e: Limit) -> Self {
        Error::LimitExceeded(e)
    }
}
