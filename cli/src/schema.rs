//! The wire structures of SPEC.md, key by key: the one- and two-letter CBOR keys and the names
//! SPEC.md gives the fields (in snake case), what each holds, and the section that defines it.

/// What a field holds.
pub enum Kind {
    Uint,
    Text,
    Bytes,
    /// An unsigned code with SPEC.md's names for its values.
    Code(&'static [(u64, &'static str)]),
    /// A suite id (§2.3).
    Suite,
    Map(&'static Shape),
    List(&'static Kind),
    /// A byte string holding the canonical CBOR of a map.
    Cbor(&'static Shape),
    /// A link body's payload: canonical CBOR whose shape the body's link type decides.
    Payload,
}

pub struct Field {
    pub key: &'static str,
    pub name: &'static str,
    pub kind: Kind,
}

/// A CBOR map of SPEC.md.
pub struct Shape {
    /// What inspect calls it (and the JSON's `structure`).
    pub name: &'static str,
    pub spec: &'static str,
    pub fields: &'static [Field],
}

impl Shape {
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

const fn f(key: &'static str, name: &'static str, kind: Kind) -> Field {
    Field { key, name, kind }
}

pub const ORIGINS: &[(u64, &str)] = &[
    (0, "sender_device"),
    (1, "inbound_external"),
    (2, "mailing_list"),
    (3, "system"),
    (4, "held_for_new_user"),
];
pub const RECIPIENT_KINDS: &[(u64, &str)] = &[
    (0, "sender"),
    (1, "to"),
    (2, "cc"),
    (3, "bcc"),
    (4, "server_access"),
];
pub const ROLES: &[(u64, &str)] = &[(0, "ordinary"), (1, "backup"), (2, "escrow")];
pub const LINK_TYPES: &[(u64, &str)] = &[
    (0, "root"),
    (1, "add_device"),
    (2, "add_virtual_device"),
    (3, "revoke"),
    (4, "rotate_puk"),
    (5, "disable_escrow"),
    (6, "change_addresses"),
    (7, "recover"),
];

/// SPEC.md's name for `code` in `table`.
pub fn code_name(table: &[(u64, &'static str)], code: u64) -> &'static str {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("unknown", |(_, n)| n)
}

// ---- §6: mail --------------------------------------------------------------------------

pub static CHAIN_TAIL: Shape = Shape {
    name: "chain tail",
    spec: "§6.1",
    fields: &[
        f("h", "link_hash", Kind::Bytes),
        f("q", "sequence_number", Kind::Uint),
    ],
};

pub static SENDER_PARTY: Shape = Shape {
    name: "sender party",
    spec: "§6.1",
    fields: &[
        f("a", "address", Kind::Text),
        f("c", "chain_tail", Kind::Map(&CHAIN_TAIL)),
        f("d", "device_id", Kind::Bytes),
        f("u", "user_id", Kind::Bytes),
    ],
};

pub static PARTY: Shape = Shape {
    name: "party",
    spec: "§6.1",
    fields: &[
        f("a", "address", Kind::Text),
        f("u", "user_id", Kind::Bytes),
    ],
};

pub static ROUTING_HEADER: Shape = Shape {
    name: "routing header",
    spec: "§6.1",
    fields: &[
        f("d", "piece_digests", Kind::List(&Kind::Bytes)),
        f("f", "sender", Kind::Map(&SENDER_PARTY)),
        f("o", "origin", Kind::Code(ORIGINS)),
        f("p", "piece_sizes", Kind::List(&Kind::Uint)),
        f("s", "suite", Kind::Suite),
        f("t", "timestamp", Kind::Uint),
        f("v", "version", Kind::Uint),
        f("x", "expiry", Kind::Uint),
        f("cc", "cc", Kind::List(&Kind::Map(&PARTY))),
        f("id", "message_id", Kind::Text),
        f("to", "to", Kind::List(&Kind::Map(&PARTY))),
    ],
};

pub static RECIPIENT_BOX: Shape = Shape {
    name: "recipient box",
    spec: "§6.4",
    fields: &[
        f("a", "address", Kind::Text),
        f("c", "ciphertext", Kind::Bytes),
        f("e", "enc", Kind::Bytes),
        f("g", "generation", Kind::Uint),
        f("k", "kind", Kind::Code(RECIPIENT_KINDS)),
        f("t", "chain_tail", Kind::Map(&CHAIN_TAIL)),
        f("u", "user_id", Kind::Bytes),
    ],
};

pub static ENVELOPE: Shape = Shape {
    name: "envelope",
    spec: "§6.6",
    fields: &[
        f("b", "boxes", Kind::List(&Kind::Map(&RECIPIENT_BOX))),
        f("h", "header", Kind::Cbor(&ROUTING_HEADER)),
        f("m", "manifest", Kind::Bytes),
        f("bc", "bcc_commitment", Kind::Bytes),
        f("lb", "link_box", Kind::Bytes),
        f("sr", "sender_record", Kind::Bytes),
    ],
};

pub static COPY: Shape = Shape {
    name: "per-recipient copy",
    spec: "§6.7",
    fields: &[
        f("b", "box", Kind::Map(&RECIPIENT_BOX)),
        f("h", "header", Kind::Cbor(&ROUTING_HEADER)),
        f("m", "manifest", Kind::Bytes),
        f("bc", "bcc_commitment", Kind::Bytes),
        f("sr", "sender_record", Kind::Bytes),
    ],
};

pub static LINK_COPY: Shape = Shape {
    name: "link copy",
    spec: "§10.3",
    fields: &[
        f("h", "header", Kind::Cbor(&ROUTING_HEADER)),
        f("m", "manifest", Kind::Bytes),
        f("bc", "bcc_commitment", Kind::Bytes),
        f("lb", "link_box", Kind::Bytes),
    ],
};

// ---- §13: abuse reports -----------------------------------------------------------------

pub static DISCLOSED_PIECE: Shape = Shape {
    name: "disclosed piece",
    spec: "§13.1",
    fields: &[
        f("i", "piece_index", Kind::Uint),
        f("k", "piece_key", Kind::Bytes),
    ],
};

pub static REPORT_BODY: Shape = Shape {
    name: "report body",
    spec: "§13.1",
    fields: &[
        f("a", "recipient_address", Kind::Text),
        f("b", "bcc_commitment", Kind::Bytes),
        f("d", "reporter_device_id", Kind::Bytes),
        f("g", "puk_generation", Kind::Uint),
        f("h", "routing_header", Kind::Cbor(&ROUTING_HEADER)),
        f("k", "recipient_kind", Kind::Code(RECIPIENT_KINDS)),
        f("m", "manifest_digest", Kind::Bytes),
        f("n", "tree_position", Kind::Uint),
        f("p", "sibling_path", Kind::List(&Kind::Bytes)),
        f(
            "q",
            "disclosed_pieces",
            Kind::List(&Kind::Map(&DISCLOSED_PIECE)),
        ),
        f("s", "salt", Kind::Bytes),
        f("t", "recipient_chain_tail", Kind::Map(&CHAIN_TAIL)),
        f("u", "recipient_user", Kind::Bytes),
        f("v", "version", Kind::Uint),
        f("w", "reported_at", Kind::Uint),
        f("x", "sender_signature", Kind::Bytes),
    ],
};

pub static REPORT: Shape = Shape {
    name: "abuse report",
    spec: "§13.1",
    fields: &[
        f("r", "body", Kind::Cbor(&REPORT_BODY)),
        f("z", "signature", Kind::Bytes),
    ],
};

// ---- §5.4: public records ----------------------------------------------------------------

pub static DEVICE_RECORD: Shape = Shape {
    name: "device public record",
    spec: "§5.4",
    fields: &[
        f("e", "kem_public_key", Kind::Bytes),
        f("i", "device_id", Kind::Bytes),
        f("s", "suite", Kind::Suite),
        f("v", "verifying_key", Kind::Bytes),
    ],
};

pub static PUK_RECORD: Shape = Shape {
    name: "per-user key record",
    spec: "§5.4",
    fields: &[
        f("g", "generation", Kind::Uint),
        f("k", "mail_key", Kind::Bytes),
        f("s", "suite", Kind::Suite),
        f("u", "user_id", Kind::Bytes),
    ],
};

// ---- §7–9: wraps and user data -------------------------------------------------------------

pub static COSIGNATURE: Shape = Shape {
    name: "co-signature",
    spec: "§7.2",
    fields: &[
        f("d", "device", Kind::Bytes),
        f("u", "user", Kind::Bytes),
        f("x", "signature", Kind::Bytes),
    ],
};

pub static SEED_WRAP: Shape = Shape {
    name: "seed wrap",
    spec: "§7.2",
    fields: &[
        f("c", "hpke_ciphertext", Kind::Bytes),
        f("e", "hpke_enc", Kind::Bytes),
        f("g", "generation", Kind::Uint),
        f("k", "puk_fingerprint", Kind::Bytes),
        f("s", "suite", Kind::Suite),
        f("t", "target_device", Kind::Bytes),
        f("u", "user", Kind::Bytes),
        f("x", "approver_signature", Kind::Bytes),
        f("ad", "approving_device", Kind::Bytes),
        f("au", "approver_user", Kind::Bytes),
        f("cs", "co_signature", Kind::Map(&COSIGNATURE)),
    ],
};

pub static ESCROW_WRAP: Shape = Shape {
    name: "escrow wrap",
    spec: "§8.2",
    fields: &[
        f("a", "account", Kind::Bytes),
        f("c", "ciphertext", Kind::Bytes),
        f("d", "escrow_device", Kind::Bytes),
        f("e", "enc", Kind::Bytes),
        f("f", "escrow_encryption_key_fingerprint", Kind::Bytes),
        f("g", "ea_generation", Kind::Uint),
        f("m", "member", Kind::Bytes),
        f("s", "suite", Kind::Suite),
        f("v", "escrow_verifying_key", Kind::Bytes),
        f("x", "signature", Kind::Bytes),
        f("ea", "ea_group", Kind::Bytes),
        f("sd", "signer_device", Kind::Bytes),
    ],
};

pub static USER_DATA: Shape = Shape {
    name: "user data blob",
    spec: "§9",
    fields: &[
        f("c", "ciphertext", Kind::Bytes),
        f("g", "generation", Kind::Uint),
        f("k", "type", Kind::Text),
        f("m", "message_id", Kind::Text),
        f("n", "version", Kind::Uint),
        f("s", "suite", Kind::Suite),
        f("u", "user", Kind::Bytes),
    ],
};

// ---- §12: chains ---------------------------------------------------------------------------

pub static LINK_SIGNATURE: Shape = Shape {
    name: "link signature",
    spec: "§12.2",
    fields: &[
        f("d", "device_id", Kind::Bytes),
        f("s", "signature", Kind::Bytes),
    ],
};

pub static LINK_BODY: Shape = Shape {
    name: "link body",
    spec: "§12.2",
    fields: &[
        f("c", "payload", Kind::Payload),
        f("k", "link_type", Kind::Code(LINK_TYPES)),
        f("p", "previous_hash", Kind::Bytes),
        f("q", "sequence_number", Kind::Uint),
        f("s", "suite", Kind::Suite),
        f("t", "time", Kind::Uint),
        f("u", "user_id", Kind::Bytes),
        f("v", "version", Kind::Uint),
    ],
};

pub static LINK: Shape = Shape {
    name: "chain link",
    spec: "§12.2",
    fields: &[
        f("b", "body", Kind::Cbor(&LINK_BODY)),
        f("x", "signatures", Kind::List(&Kind::Map(&LINK_SIGNATURE))),
    ],
};

static DEVICE: Shape = Shape {
    name: "device",
    spec: "§12.2",
    fields: &[
        f("e", "kem_public_key", Kind::Bytes),
        f("i", "device_id", Kind::Bytes),
        f("r", "role", Kind::Code(ROLES)),
        f("v", "verifying_key", Kind::Bytes),
    ],
};

static PUK: Shape = Shape {
    name: "puk",
    spec: "§12.2",
    fields: &[
        f("g", "generation", Kind::Uint),
        f("k", "mail_key", Kind::Bytes),
    ],
};

static ESCROW_TERMS: Shape = Shape {
    name: "escrow",
    spec: "§12.3",
    fields: &[
        f("a", "account", Kind::Bytes),
        f("d", "administrator_device", Kind::Bytes),
        f("g", "ea_puk_generation", Kind::Uint),
        f("h", "ea_chain_link_hash", Kind::Bytes),
        f("k", "ea_mail_key_fingerprint", Kind::Bytes),
        f("n", "domain", Kind::Text),
        f("q", "ea_chain_sequence_number", Kind::Uint),
        f("u", "ea_group", Kind::Bytes),
        f("v", "administrator_verifying_key", Kind::Bytes),
    ],
};

static COSIGNER: Shape = Shape {
    name: "cosigner",
    spec: "§12.3",
    fields: &[
        f("d", "administrator_device", Kind::Bytes),
        f("h", "ea_chain_link_hash", Kind::Bytes),
        f("q", "ea_chain_sequence_number", Kind::Uint),
        f("v", "verifying_key", Kind::Bytes),
    ],
};

const ADDRESSES: Field = f("a", "addresses", Kind::List(&Kind::Text));
const NEW_DEVICE: Field = f("d", "device", Kind::Map(&DEVICE));
const NEW_PUK: Field = f("g", "puk", Kind::Map(&PUK));

static PAYLOADS: [Shape; 8] = [
    Shape {
        name: "root",
        spec: "§12.3",
        fields: &[ADDRESSES, NEW_DEVICE, NEW_PUK],
    },
    Shape {
        name: "add device",
        spec: "§12.3",
        fields: &[NEW_DEVICE, NEW_PUK],
    },
    Shape {
        name: "add virtual device",
        spec: "§12.3",
        fields: &[
            NEW_DEVICE,
            f("e", "escrow", Kind::Map(&ESCROW_TERMS)),
            NEW_PUK,
        ],
    },
    Shape {
        name: "revoke",
        spec: "§12.3",
        fields: &[NEW_PUK, f("r", "revoked_device", Kind::Bytes)],
    },
    Shape {
        name: "rotate puk",
        spec: "§12.3",
        fields: &[NEW_PUK],
    },
    Shape {
        name: "disable escrow",
        spec: "§12.3",
        fields: &[NEW_PUK, f("r", "escrow_device", Kind::Bytes)],
    },
    Shape {
        name: "change addresses",
        spec: "§12.3",
        fields: &[ADDRESSES],
    },
    Shape {
        name: "recover",
        spec: "§12.3",
        fields: &[
            NEW_DEVICE,
            f("e", "cosigner", Kind::Map(&COSIGNER)),
            NEW_PUK,
        ],
    },
];

/// The payload shape of link type `code`.
pub fn payload(code: u64) -> Option<&'static Shape> {
    PAYLOADS.get(usize::try_from(code).ok()?)
}

/// Every map-shaped structure inspect recognises on its own, in the order they are tried.
pub static STRUCTURES: [&Shape; 11] = [
    &ENVELOPE,
    &COPY,
    &LINK_COPY,
    &ROUTING_HEADER,
    &DEVICE_RECORD,
    &PUK_RECORD,
    &SEED_WRAP,
    &ESCROW_WRAP,
    &LINK,
    &USER_DATA,
    &REPORT,
];

/// The names of the array-shaped structures and of the piece, as the JSON spells them.
pub const SEGMENT: (&str, &str) = ("chain segment", "§12.2");
pub const BATCH: (&str, &str) = ("seed wrap batch", "§7.2");
pub const PIECE: (&str, &str) = ("sealed piece", "§3.3");
pub const DEVICE_TEXT: (&str, &str) = ("device public record, text form", "§5.6");
pub const PUK_TEXT: (&str, &str) = ("per-user key record, text form", "§5.6");

/// A segment's items: links, each a byte string (§12.2).
pub static SEGMENT_ITEMS: Kind = Kind::List(&Kind::Cbor(&LINK));
/// A batch's items: seed wraps (§7.2).
pub static BATCH_ITEMS: Kind = Kind::List(&Kind::Map(&SEED_WRAP));
