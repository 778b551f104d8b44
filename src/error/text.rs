//! What each error says to a person: a sentence naming what failed and where, never a Rust
//! type name. Lower case, no final period, as Rust error messages go; the payloads (a chunk
//! or piece index, a link's sequence number) are the only variable parts, so no
//! attacker-chosen text is ever printed.

use core::fmt;

use super::*;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed(e) => write!(f, "malformed input: {e}"),
            Error::Authentication(e) => write!(f, "authentication failed: {e}"),
            Error::Unsupported(e) => write!(f, "unsupported: {e}"),
            Error::Misuse(e) => write!(f, "API misuse: {e}"),
            Error::LimitExceeded(e) => write!(f, "limit exceeded: {e}"),
            Error::NotARecipient => f.write_str(
                "not addressed to this key: no box, wrap or blob here is for this user, device \
                 or key generation",
            ),
            Error::Chain(e) => write!(f, "chain refused: {e}"),
            Error::Transparency(e) => write!(f, "key transparency: {e}"),
        }
    }
}

// The outer error already prints the inner one's sentence, so it names no `source`: a
// reporter walking the chain would print it twice. Each part is an error of its own, for
// callers that keep only the part they matched.
impl core::error::Error for Error {}
impl core::error::Error for Malformed {}
impl core::error::Error for CborError {}
impl core::error::Error for Field {}
impl core::error::Error for RecoveryCodeError {}
impl core::error::Error for AuthFailure {}
impl core::error::Error for Unsupported {}
impl core::error::Error for Misuse {}
impl core::error::Error for Limit {}
impl core::error::Error for ChainError {}
impl core::error::Error for crate::transparency::TransparencyError {}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainError::NotRoot { seq } => write!(f, "link {seq} should be the chain's root"),
            ChainError::Sequence { seq } => {
                write!(f, "link {seq} is not the next link (a gap or a repeat)")
            }
            ChainError::PreviousHash { seq } => {
                write!(f, "link {seq} does not name the previous link's hash")
            }
            ChainError::OtherUser { seq } => write!(f, "link {seq} belongs to another user"),
            ChainError::OtherSuite { seq } => {
                write!(f, "link {seq} is of another suite than the root")
            }
            ChainError::UnknownType { seq } => write!(f, "link {seq} has an unknown type"),
            ChainError::Signatures { seq } => write!(
                f,
                "link {seq} does not carry exactly the signatures its type requires"
            ),
            ChainError::BadSignature { seq } => {
                write!(f, "a signature on link {seq} does not verify")
            }
            ChainError::SignerNotActive { seq } => write!(
                f,
                "link {seq} is signed by a device the chain does not list as active"
            ),
            ChainError::RoleMayNot { seq } => write!(
                f,
                "link {seq} is signed or adds a device in a role that may not (an escrow or \
                 backup device approving, or a virtual device of the wrong kind)"
            ),
            ChainError::DeviceNotActive { seq } => {
                write!(f, "link {seq} revokes a device that is not active")
            }
            ChainError::Reused { seq } => write!(
                f,
                "link {seq} reuses a device id or key the chain already had"
            ),
            ChainError::Generation { seq } => write!(
                f,
                "link {seq} has a key generation that is not the next one, or revokes without \
                 rotating"
            ),
            ChainError::Escrow { seq } => {
                write!(f, "link {seq} changes escrow in a way that is not allowed")
            }
            ChainError::Recovery { seq } => write!(
                f,
                "link {seq} recovers the account while an ordinary device is active, or \
                 without the signatures a recovery needs"
            ),
            ChainError::Addresses { seq } => write!(
                f,
                "link {seq} has an address list that is empty, too long or repeats an address"
            ),
            ChainError::Fork { seq } => write!(
                f,
                "this view of the chain differs at link {seq} from the one verified before \
                 (a fork)"
            ),
            ChainError::Rollback { have, served } => write!(
                f,
                "this view of the chain has {served} links, fewer than the {have} verified \
                 before (a rollback)"
            ),
            ChainError::Behind { have, need, .. } => write!(
                f,
                "the input needs link {need} of a chain this view ends at link {have}: fetch \
                 the rest of the chain and try again"
            ),
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::PieceHeaderLength => f.write_str("a piece header is not exactly 64 bytes"),
            Malformed::PieceTruncated => {
                f.write_str("a piece ciphertext ends before its final chunk's tag is complete")
            }
            Malformed::PieceLength => {
                f.write_str("a piece ciphertext length that no piece can have")
            }
            Malformed::ChunkLength { index } => write!(
                f,
                "chunk {index} does not have the length its position in the piece requires"
            ),
            Malformed::EmptyFinalChunk => f.write_str("an empty final chunk after earlier chunks"),
            Malformed::Cbor(e) => write!(f, "not the canonical CBOR expected here: {e}"),
            Malformed::Field(e) => write!(f, "{e}"),
            Malformed::PublicKey => {
                f.write_str("a public key that does not decode, or is a weak (low-order) point")
            }
            Malformed::BoxPlaintext => {
                f.write_str("a recipient box whose plaintext does not have the fixed layout")
            }
            Malformed::LinkFragment => {
                f.write_str("a link fragment that is not `ms1` and 128 hex digits")
            }
            Malformed::RecoveryCode(e) => write!(f, "recovery code: {e}"),
            Malformed::TagList => {
                f.write_str("a piece's tag list is not of the length its ciphertext length implies")
            }
            Malformed::ManifestMismatch => {
                f.write_str("the pieces disagree with the routing header (their count or sizes)")
            }
            Malformed::PieceSize { index } => write!(
                f,
                "piece {index} is not the length the routing header states"
            ),
        }
    }
}

impl fmt::Display for CborError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CborError::Truncated => "the input ends inside an item",
            CborError::NonMinimal => "an integer or length not in its shortest form",
            CborError::IndefiniteLength => "an indefinite-length item",
            CborError::Tag => "a CBOR tag",
            CborError::SimpleOrFloat => "a float or a simple value other than false, true and null",
            CborError::Reserved => "reserved additional information (28 to 30)",
            CborError::LengthExceedsInput => "a declared length longer than the input",
            CborError::InvalidUtf8 => "a text string that is not UTF-8",
            CborError::TrailingBytes => {
                "bytes after the item (is this one copy, not an envelope or a batch?)"
            }
            CborError::Schema => {
                "the wrong structure: unknown, missing or duplicate keys, or wrong types \
                 (is this the kind of object this call expects?)"
            }
            CborError::NotCanonical => "map keys out of their canonical order",
        })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Address => "an address that is empty, too long or has control characters",
            Field::MessageId => "a message id that is empty, too long or has control characters",
            Field::RecipientKind => "an unknown recipient kind",
            Field::RecipientSet => {
                "the recipients do not fit together (a user twice, a box that disagrees with \
                 the header, or the sender's own box missing)"
            }
            Field::BoxLength => "a box or wrap of the wrong length for its suite",
            Field::Generation => "a key generation of 0",
            Field::UserDataType => {
                "a user-data type that is empty, longer than 64 bytes or has control characters"
            }
            Field::Domain => "a domain name that is empty, too long or has invalid characters",
            Field::Origin => "an origin that is unknown or does not fit the sender fields",
            Field::Expiry => "an expiry where none belongs, or none where a link box needs one",
            Field::DeviceRole => "an unknown device role",
            Field::Id => "an id that is not 32 hexadecimal digits",
            Field::ChainTail => "a chain position where none belongs, or none where one must be",
            Field::TextForm => {
                "text that is not a valid text form (prefix, characters, padding or digit count)"
            }
        })
    }
}

impl fmt::Display for RecoveryCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecoveryCodeError::Length => "not 28 symbols",
            RecoveryCodeError::Character => "a character that is not in the code's alphabet",
            RecoveryCodeError::Checksum => "the check symbols do not match (a typo?)",
        })
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthFailure::KeyCommitment => {
                f.write_str("the piece is not sealed under this key (or its header was altered)")
            }
            AuthFailure::Chunk { index } => {
                write!(f, "chunk {index} was altered, moved or cut short")
            }
            AuthFailure::FinalChunkMissing => f.write_str("the piece ends before its final chunk"),
            AuthFailure::DataAfterFinalChunk { index } => {
                write!(f, "data follows the final chunk (chunk {index})")
            }
            AuthFailure::PieceDigest => f.write_str("the piece is not the one the manifest names"),
            AuthFailure::RecipientBox => f.write_str(
                "the recipient box does not open: not sealed to this key, or moved from \
                 another message or recipient, or the header, manifest or sender was altered",
            ),
            AuthFailure::UnknownSigner => f.write_str(
                "the signing device is not a device of the sender's chain as verified here",
            ),
            AuthFailure::Signature => f.write_str("the signature does not verify"),
            AuthFailure::Manifest => f.write_str("the manifest does not open"),
            AuthFailure::RecipientList => {
                f.write_str("the sender's own copy does not match the signed recipient list")
            }
            AuthFailure::BccCommitment => f.write_str("the BCC line does not match its commitment"),
            AuthFailure::Wrap => f.write_str(
                "the wrap does not open, or what it carries is not the key the chain records",
            ),
            AuthFailure::UserData => {
                f.write_str("the user data does not open for this user, type, message and version")
            }
            AuthFailure::Rollback => {
                f.write_str("the user data is older than the version remembered (a replay)")
            }
            AuthFailure::LinkDigest => f.write_str("the link copy is not the mail its link names"),
            AuthFailure::LinkExpired => f.write_str("the link has expired"),
            AuthFailure::BoxKind => f.write_str(
                "a signed box in server-sealed mail, or an unsigned one in device-signed mail",
            ),
            AuthFailure::UnsignedMail => f.write_str(
                "the reported mail is not signed by a sender's device: nothing proves what was sent",
            ),
            AuthFailure::Reporter => f.write_str(
                "the report's device is not an active ordinary device of the reporter's chain",
            ),
            AuthFailure::ReportSignature => {
                f.write_str("the reporter's signature does not verify over the report")
            }
        }
    }
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsupported::Suite(id) => write!(f, "suite 0x{id:04x} is not implemented here"),
            Unsupported::Version(v) => write!(f, "format version {v} is not implemented here"),
        }
    }
}

impl fmt::Display for Misuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Misuse::StreamFailed => {
                f.write_str("the stream already failed; it refuses all further input")
            }
            Misuse::ChunkIndexOutOfRange { index } => {
                write!(f, "chunk {index} is past the last chunk of the piece")
            }
            Misuse::PieceIndexOutOfRange { index } => {
                write!(f, "piece {index} is past the last piece of the mail")
            }
            Misuse::EscrowNeedsCustomDomain => f.write_str(
                "escrow needs the account's own domain, with the member's address on it",
            ),
            Misuse::SuiteMismatch => f.write_str("keys of different suites used together"),
            Misuse::NeedsServerAccess => f.write_str(
                "external or not-yet-provisioned recipients need the server's key (or, for \
                 externals, an access-restricted link)",
            ),
            Misuse::LinkNeedsSealRestricted => f.write_str(
                "access-restricted mail is sealed with `seal_restricted`, other mail with `seal`",
            ),
            Misuse::ServerCannotSign => f.write_str("server sealing cannot sign as a device"),
            Misuse::PlanRefused => f.write_str("the plan refused this mail; it cannot be applied"),
            Misuse::NoRecipients => {
                f.write_str("the mail has no recipient (seal a draft with `seal_draft`)")
            }
            Misuse::DraftWithRecipients => f.write_str("a draft has no recipients"),
            Misuse::NoPieces => f.write_str("a mail needs at least one piece, its body"),
            Misuse::NamedUserWithoutBox => {
                f.write_str("a local user named in To or CC is given no box")
            }
            Misuse::NotARequiredSigner => {
                f.write_str("this device's signature is not one the link needs")
            }
            Misuse::MissingSignature => f.write_str("the link lacks a signature it needs"),
            Misuse::EscrowNotEnabled => f.write_str("escrow is already off in this chain"),
            Misuse::ReportOfUnsignedMail => f.write_str(
                "only mail signed by a sender's device can be reported with proof of what was sent",
            ),
            Misuse::ReportNotByRecipient => {
                f.write_str("only a recipient's copy can be reported, not the sender's own")
            }
            Misuse::InvalidLogSetup => f.write_str(
                "a log origin or witness name must be one word without '+', and the witness \
                 threshold between 1 and the number of witnesses",
            ),
            Misuse::AddressNotInChain => {
                f.write_str("the recipient's chain does not list this address")
            }
            Misuse::NoActiveDevice => f.write_str(
                "the recipient's chain lists no active device: nobody could read the mail",
            ),
            Misuse::RecipientWithoutChain => f.write_str(
                "a recipient key without its chain position (use `RecipientKey::from_chain`)",
            ),
            Misuse::SenderDeviceNotActive => f.write_str(
                "the sending device is not an active ordinary device of the sender's chain",
            ),
            Misuse::SenderAddressNotInChain => {
                f.write_str("the sender's chain does not list this From address")
            }
            Misuse::StaleSenderKey => {
                f.write_str("the sender's key is not the current generation of the sender's chain")
            }
            Misuse::RotationDue => {
                f.write_str("a device was revoked without a key rotation: rotate before sealing")
            }
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::ChunkCounter => "a piece of more than 2^32 chunks",
            Limit::NestingDepth => "CBOR nested more than 8 deep",
            Limit::EnvelopeSize => "an envelope or copy larger than 4 MiB",
            Limit::HeaderSize => "a routing header larger than 256 KiB",
            Limit::ManifestSize => "a manifest larger than 64 KiB",
            Limit::SenderRecordSize => "a sender record larger than 512 KiB",
            Limit::Recipients => "more than 1024 recipient users",
            Limit::Pieces => "more than 256 pieces",
            Limit::PieceSize => "a piece larger than 64 GiB",
            Limit::BccSize => "a BCC line longer than 64 KiB",
            Limit::PublicRecordSize => "a public key record larger than 4096 bytes",
            Limit::WrapSize => "a wrap or batch over its size or count limit",
            Limit::UserDataSize => "user data larger than 1 MiB",
            Limit::Devices => "more than 1024 devices",
            Limit::LinkSize => "a chain link larger than 8192 bytes",
            Limit::ChainLength => "a chain or segment over 65536 links or 16 MiB",
            Limit::ReportSize => "an abuse report larger than 320 KiB",
            Limit::LogEntrySize => "a key-transparency log entry larger than 2048 bytes",
        })
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::ToString;

    use super::*;

    /// The sentences state the limits the constants set.
    #[test]
    fn limit_sentences_state_the_constants() {
        use crate::mail::envelope as env;
        let mib = |n: usize| format!("{} MiB", n >> 20);
        let kib = |n: usize| format!("{} KiB", n >> 10);
        for (limit, said) in [
            (Limit::EnvelopeSize, mib(env::MAX_ENVELOPE_LEN)),
            (Limit::HeaderSize, kib(env::MAX_HEADER_LEN)),
            (Limit::ManifestSize, kib(env::MAX_MANIFEST_LEN)),
            (Limit::SenderRecordSize, kib(env::MAX_SENDER_RECORD_LEN)),
            (Limit::Recipients, env::MAX_RECIPIENTS.to_string()),
            (Limit::Pieces, env::MAX_PIECES.to_string()),
            (
                Limit::PieceSize,
                format!("{} GiB", env::MAX_PIECE_LEN >> 30),
            ),
            (Limit::BccSize, kib(env::MAX_BCC_LEN)),
            (
                Limit::PublicRecordSize,
                crate::keys::MAX_PUBLIC_RECORD_LEN.to_string(),
            ),
            (
                Limit::UserDataSize,
                mib(crate::account::userdata::MAX_USER_DATA_LEN),
            ),
            (
                Limit::Devices,
                crate::account::devices::MAX_DEVICES.to_string(),
            ),
            (Limit::LinkSize, crate::identity::MAX_LINK_LEN.to_string()),
            (Limit::ReportSize, kib(crate::mail::report::MAX_REPORT_LEN)),
            (
                Limit::LogEntrySize,
                crate::transparency::MAX_ENTRY_LEN.to_string(),
            ),
            (
                Limit::ChainLength,
                crate::identity::MAX_CHAIN_LINKS.to_string(),
            ),
            (
                Limit::NestingDepth,
                crate::wire::canonical::MAX_DEPTH.to_string(),
            ),
        ] {
            assert!(limit.to_string().contains(&said), "{limit:?}: {limit}");
        }
    }

    /// People read sentences, not type names: no `Debug` spelling leaks into a message.
    #[test]
    fn messages_are_sentences_not_type_names() {
        let samples: [Error; 12] = [
            Malformed::Cbor(CborError::LengthExceedsInput).into(),
            Malformed::Field(Field::RecipientKind).into(),
            Malformed::PieceSize { index: 2 }.into(),
            AuthFailure::UnknownSigner.into(),
            AuthFailure::Chunk { index: 7 }.into(),
            Unsupported::Suite(9).into(),
            Misuse::PieceIndexOutOfRange { index: 3 }.into(),
            Limit::WrapSize.into(),
            ChainError::Fork { seq: 4 }.into(),
            ChainError::Behind {
                user: [1; 16],
                have: 2,
                need: 5,
            }
            .into(),
            Malformed::RecoveryCode(RecoveryCodeError::Checksum).into(),
            Error::NotARecipient,
        ];
        for e in samples {
            let text = e.to_string();
            let debug = format!("{e:?}");
            let variant = debug
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| w.len() > 3 && w.chars().next().is_some_and(char::is_uppercase))
                .find(|w| text.contains(w));
            assert_eq!(variant, None, "{text}");
        }
        assert_eq!(
            Error::from(ChainError::Behind {
                user: [1; 16],
                have: 2,
                need: 5
            })
            .to_string(),
            "chain refused: the input needs link 5 of a chain this view ends at link 2: fetch \
             the rest of the chain and try again"
        );
        assert_eq!(
            Error::from(Misuse::PieceIndexOutOfRange { index: 3 }).to_string(),
            "API misuse: piece 3 is past the last piece of the mail"
        );
    }
}
