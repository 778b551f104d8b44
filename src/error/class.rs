//! The class of every error: its path through the types in snake case, the spelling SPEC.md
//! and the test vectors use.

use super::*;

impl Error {
    /// The error's **class**: its path through these types in snake case, without payloads,
    /// for example `malformed/cbor/non_minimal`, `authentication/chunk` (any chunk index),
    /// `chain/fork` or `not_a_recipient`. SPEC.md names checks by these classes and the test
    /// vectors' `expected_error` uses exactly these strings, so a caller (or a binding in
    /// another language) can map errors the way the vector runner does.
    ///
    /// ```
    /// use mailseal::error::{CborError, Error, Malformed};
    /// let e: Error = Malformed::Cbor(CborError::NonMinimal).into();
    /// assert_eq!(e.class(), "malformed/cbor/non_minimal");
    /// assert_eq!(Error::NotARecipient.class(), "not_a_recipient");
    /// ```
    pub fn class(&self) -> &'static str {
        match self {
            Error::Malformed(e) => e.class(),
            Error::Authentication(e) => e.class(),
            Error::Unsupported(e) => e.class(),
            Error::Misuse(e) => e.class(),
            Error::LimitExceeded(e) => e.class(),
            Error::NotARecipient => "not_a_recipient",
            Error::Chain(e) => e.class(),
            Error::Transparency(e) => e.class(),
        }
    }
}

impl ChainError {
    /// This error's class, as [`Error::class`] spells it.
    fn class(&self) -> &'static str {
        match self {
            ChainError::NotRoot { .. } => "chain/not_root",
            ChainError::Sequence { .. } => "chain/sequence",
            ChainError::PreviousHash { .. } => "chain/previous_hash",
            ChainError::OtherUser { .. } => "chain/other_user",
            ChainError::OtherSuite { .. } => "chain/other_suite",
            ChainError::UnknownType { .. } => "chain/unknown_type",
            ChainError::Signatures { .. } => "chain/signatures",
            ChainError::BadSignature { .. } => "chain/bad_signature",
            ChainError::SignerNotActive { .. } => "chain/signer_not_active",
            ChainError::RoleMayNot { .. } => "chain/role_may_not",
            ChainError::DeviceNotActive { .. } => "chain/device_not_active",
            ChainError::Reused { .. } => "chain/reused",
            ChainError::Generation { .. } => "chain/generation",
            ChainError::Escrow { .. } => "chain/escrow",
            ChainError::Recovery { .. } => "chain/recovery",
            ChainError::Addresses { .. } => "chain/addresses",
            ChainError::Fork { .. } => "chain/fork",
            ChainError::Rollback { .. } => "chain/rollback",
            ChainError::Behind { .. } => "chain/behind",
        }
    }
}

impl Malformed {
    /// This error's class, as [`Error::class`] spells it.
    fn class(&self) -> &'static str {
        match self {
            Malformed::PieceHeaderLength => "malformed/piece_header_length",
            Malformed::PieceTruncated => "malformed/piece_truncated",
            Malformed::PieceLength => "malformed/piece_length",
            Malformed::ChunkLength { .. } => "malformed/chunk_length",
            Malformed::EmptyFinalChunk => "malformed/empty_final_chunk",
            Malformed::Cbor(inner) => inner.class(),
            Malformed::Field(inner) => inner.class(),
            Malformed::PublicKey => "malformed/public_key",
            Malformed::BoxPlaintext => "malformed/box_plaintext",
            Malformed::LinkFragment => "malformed/link_fragment",
            Malformed::RecoveryCode(inner) => inner.class(),
            Malformed::TagList => "malformed/tag_list",
            Malformed::ManifestMismatch => "malformed/manifest_mismatch",
            Malformed::PieceSize { .. } => "malformed/piece_size",
        }
    }
}

impl CborError {
    /// This error's class, as [`Error::class`] spells it.
    fn class(&self) -> &'static str {
        match self {
            CborError::Truncated => "malformed/cbor/truncated",
            CborError::NonMinimal => "malformed/cbor/non_minimal",
            CborError::IndefiniteLength => "malformed/cbor/indefinite_length",
            CborError::Tag => "malformed/cbor/tag",
            CborError::SimpleOrFloat => "malformed/cbor/simple_or_float",
            CborError::Reserved => "malformed/cbor/reserved",
            CborError::LengthExceedsInput => "malformed/cbor/length_exceeds_input",
            CborError::InvalidUtf8 => "malformed/cbor/invalid_utf8",
            CborError::TrailingBytes => "malformed/cbor/trailing_bytes",
            CborError::Schema => "malformed/cbor/schema",
            CborError::NotCanonical => "malformed/cbor/not_canonical",
        }
    }
}

impl Field {
    /// This error's class, as [`Error::class`] spells it.
    fn class(&self) -> &'static str {
        match self {
            Field::Address => "malformed/field/address",
            Field::MessageId => "malformed/field/message_id",
            Field::RecipientKind => "malformed/field/recipient_kind",
            Field::RecipientSet => "malformed/field/recipient_set",
            Field::BoxLength => "malformed/field/box_length",
            Field::Generation => "malformed/field/generation",
            Field::UserDataType => "malformed/field/user_data_type",
            Field::Domain => "malformed/field/domain",
            Field::Origin => "malformed/field/origin",
            Field::Expiry => "malformed/field/expiry",
            Field::DeviceRole => "malformed/field/device_role",
            Field::Id => "malformed/field/id",
            Field::ChainTail => "malformed/field/chain_tail",
            Field::TextForm => "malformed/field/text_form",
        }
    }
}

impl RecoveryCodeError {
    /// This error's class, as [`Error::class`] spells it.
    fn class(&self) -> &'static str {
        match self {
            RecoveryCodeError::Length => "malformed/recovery_code/length",
            RecoveryCodeError::Character => "malformed/recovery_code/character",
            RecoveryCodeError::Checksum => "malformed/recovery_code/checksum",
        }
    }
}

impl AuthFailure {
    /// This error's class, as [`Error::class`] spells it.
    fn class(&self) -> &'static str {
        match self {
            AuthFailure::KeyCommitment => "authentication/key_commitment",
            AuthFailure::Chunk { .. } => "authentication/chunk",
            AuthFailure::FinalChunkMissing => "authentication/final_chunk_missing",
            AuthFailure::DataAfterFinalChunk { .. } => "authentication/data_after_final_chunk",
            AuthFailure::PieceDigest => "authentication/piece_digest",
            AuthFailure::RecipientBox => "authentication/recipient_box",
            AuthFailure::UnknownSigner => "authentication/unknown_signer",
            AuthFailure::Signature => "authentication/signature",
            AuthFailure::Manifest => "authentication/manifest",
            AuthFailure::RecipientList => "authentication/recipient_list",
            AuthFailure::BccCommitment => "authentication/bcc_commitment",
            AuthFailure::Wrap => "authentication/wrap",
            AuthFailure::UserData => "authentication/user_data",
            AuthFailure::Rollback => "authentication/rollback",
            AuthFailure::LinkDigest => "authentication/link_digest",
            AuthFailure::LinkExpired => "authentication/link_expired",
            AuthFailure::BoxKind => "authentication/box_kind",
            AuthFailure::UnsignedMail => "authentication/unsigned_mail",
            AuthFailure::Reporter => "authentication/reporter",
            AuthFailure::ReportSignature => "authentication/report_signature",
        }
    }
}

impl Unsupported {
    /// This error's class, as [`Error::class`] spells it.
    fn class(&self) -> &'static str {
        match self {
            Unsupported::Suite(_) => "unsupported/suite",
            Unsupported::Version(_) => "unsupported/version",
        }
    }
}

impl Misuse {
    /// This error's class, as [`Error::class`] spells it.
    fn class(&self) -> &'static str {
        match self {
            Misuse::StreamFailed => "misuse/stream_failed",
            Misuse::ChunkIndexOutOfRange { .. } => "misuse/chunk_index_out_of_range",
            Misuse::PieceIndexOutOfRange { .. } => "misuse/piece_index_out_of_range",
            Misuse::EscrowNeedsCustomDomain => "misuse/escrow_needs_custom_domain",
            Misuse::SuiteMismatch => "misuse/suite_mismatch",
            Misuse::NeedsServerAccess => "misuse/needs_server_access",
            Misuse::LinkNeedsSealRestricted => "misuse/link_needs_seal_restricted",
            Misuse::ServerCannotSign => "misuse/server_cannot_sign",
            Misuse::PlanRefused => "misuse/plan_refused",
            Misuse::NoRecipients => "misuse/no_recipients",
            Misuse::DraftWithRecipients => "misuse/draft_with_recipients",
            Misuse::NoPieces => "misuse/no_pieces",
            Misuse::NamedUserWithoutBox => "misuse/named_user_without_box",
            Misuse::NotARequiredSigner => "misuse/not_a_required_signer",
            Misuse::MissingSignature => "misuse/missing_signature",
            Misuse::EscrowNotEnabled => "misuse/escrow_not_enabled",
            Misuse::ReportOfUnsignedMail => "misuse/report_of_unsigned_mail",
            Misuse::ReportNotByRecipient => "misuse/report_not_by_recipient",
            Misuse::InvalidLogSetup => "misuse/invalid_log_setup",
            Misuse::AddressNotInChain => "misuse/address_not_in_chain",
            Misuse::NoActiveDevice => "misuse/no_active_device",
            Misuse::RecipientWithoutChain => "misuse/recipient_without_chain",
            Misuse::SenderDeviceNotActive => "misuse/sender_device_not_active",
            Misuse::SenderAddressNotInChain => "misuse/sender_address_not_in_chain",
            Misuse::StaleSenderKey => "misuse/stale_sender_key",
            Misuse::RotationDue => "misuse/rotation_due",
        }
    }
}

impl Limit {
    /// This error's class, as [`Error::class`] spells it.
    fn class(&self) -> &'static str {
        match self {
            Limit::ChunkCounter => "limit_exceeded/chunk_counter",
            Limit::NestingDepth => "limit_exceeded/nesting_depth",
            Limit::EnvelopeSize => "limit_exceeded/envelope_size",
            Limit::HeaderSize => "limit_exceeded/header_size",
            Limit::ManifestSize => "limit_exceeded/manifest_size",
            Limit::SenderRecordSize => "limit_exceeded/sender_record_size",
            Limit::Recipients => "limit_exceeded/recipients",
            Limit::Pieces => "limit_exceeded/pieces",
            Limit::PieceSize => "limit_exceeded/piece_size",
            Limit::BccSize => "limit_exceeded/bcc_size",
            Limit::PublicRecordSize => "limit_exceeded/public_record_size",
            Limit::WrapSize => "limit_exceeded/wrap_size",
            Limit::UserDataSize => "limit_exceeded/user_data_size",
            Limit::Devices => "limit_exceeded/devices",
            Limit::LinkSize => "limit_exceeded/link_size",
            Limit::ChainLength => "limit_exceeded/chain_length",
            Limit::ReportSize => "limit_exceeded/report_size",
            Limit::LogEntrySize => "limit_exceeded/log_entry_size",
        }
    }
}
