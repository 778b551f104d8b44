//! What the library's key-free checks return, as JSON: routing information, split copies, a
//! verified chain's state.

use mailseal::identity::{ChainState, ChainTail};
use mailseal::mail::envelope::{Party, RecipientKind};
use mailseal::mail::server::{RecipientCopy, RoutingInfo};

use crate::report::{J, hex};
use crate::schema::{self, ORIGINS, RECIPIENT_KINDS, ROLES};

/// SPEC.md's name of a recipient kind.
pub fn kind_name(kind: RecipientKind) -> &'static str {
    schema::code_name(RECIPIENT_KINDS, kind.code().into())
}

pub fn tail(t: &ChainTail) -> J {
    J::obj()
        .with("sequence_number", t.seq)
        .with("link_hash", hex(&t.hash))
}

fn party(p: &Party) -> J {
    J::obj()
        .with("address", p.address.as_str())
        .with("user_id", p.user.map(|u| u.to_string()))
}

/// The routing information of SPEC.md §10.4, as `validate_envelope` and `validate_copy`
/// return it.
pub fn routing(info: &RoutingInfo) -> J {
    let h = &info.header;
    let sender = J::obj()
        .with("address", h.sender.address.as_str())
        .with("user_id", h.sender.user.map(|u| u.to_string()))
        .with("device_id", h.sender.device.map(|d| d.to_string()))
        .with("chain_tail", h.sender.chain.as_ref().map(tail));
    let boxes = info
        .boxes
        .iter()
        .map(|b| {
            J::obj()
                .with("kind", kind_name(b.kind))
                .with("address", b.address.as_str())
                .with("user_id", b.user.to_string())
        })
        .collect::<Vec<_>>();
    let held = info
        .held_for
        .iter()
        .map(|h| {
            J::obj()
                .with("address", h.address.as_str())
                .with("user_id", h.user.to_string())
        })
        .collect::<Vec<_>>();
    J::obj()
        .with("suite", info.suite.name())
        .with("origin", schema::code_name(ORIGINS, h.origin.code().into()))
        .with("sender", sender)
        .with("to", h.to.iter().map(party).collect::<Vec<_>>())
        .with("cc", h.cc.iter().map(party).collect::<Vec<_>>())
        .with("message_id", h.message_id.as_str())
        .with("timestamp", h.timestamp)
        .with("expiry", h.expiry)
        .with("piece_sizes", h.piece_sizes.clone())
        .with(
            "piece_digests",
            J::Arr(h.piece_digests.iter().map(|d| hex(&d.0)).collect()),
        )
        .with("boxes", boxes)
        .with("link_box", info.link_box)
        .with("held_for", held)
        .with("external", texts(&info.external))
}

fn texts(list: &[String]) -> J {
    J::Arr(list.iter().map(|a| J::from(a.as_str())).collect())
}

/// The copies `split_envelope` makes: to whom each goes and its size.
pub fn copies(copies: &[RecipientCopy]) -> J {
    J::Arr(
        copies
            .iter()
            .map(|c| {
                J::obj()
                    .with("kind", kind_name(c.kind))
                    .with("address", c.address.as_str())
                    .with("user_id", c.user.to_string())
                    .with("bytes", c.copy.len())
            })
            .collect(),
    )
}

/// A verified chain: what SPEC.md §12.4 says the state reports.
pub fn chain(state: &ChainState) -> J {
    let tail_seq = state.tail().seq;
    let hashes = (1..=tail_seq)
        .filter_map(|q| state.hash_at(q))
        .map(|h| hex(&h))
        .collect::<Vec<_>>();
    let devices = state
        .devices()
        .iter()
        .map(|d| {
            J::obj()
                .with("device_id", d.public.id.to_string())
                .with("role", schema::code_name(ROLES, d.role.code().into()))
                .with("added_at", d.added_at)
                .with("revoked_at", d.revoked_at)
                .with("active", d.is_active())
                .with("verifying_key", hex(&d.public.verifying_key.to_bytes()))
                .with(
                    "encryption_key_fingerprint",
                    hex(&d.public.encryption_key.fingerprint()),
                )
        })
        .collect::<Vec<_>>();
    let generations = (1..=state.current_puk().generation)
        .filter_map(|g| Some((state.puk(g)?, state.generation_introduced(g)?)))
        .map(|(p, introduced)| {
            J::obj()
                .with("generation", u64::from(p.generation))
                .with("introduced_at", introduced)
                .with("mail_key_fingerprint", hex(&p.mail_key.fingerprint()))
        })
        .collect::<Vec<_>>();
    let escrow = state
        .escrow_history()
        .iter()
        .map(|e| {
            J::obj()
                .with("escrow_device", e.escrow_device.to_string())
                .with("ea_group", e.terms.ea_group.to_string())
                .with("domain", e.terms.domain.as_str())
                .with("enabled_at", e.enabled_at)
                .with("disabled_at", e.disabled_at)
        })
        .collect::<Vec<_>>();
    J::obj()
        .with("user_id", state.user().to_string())
        .with("suite", state.suite().name())
        .with("tail", tail(&state.tail()))
        .with("link_hashes", hashes)
        .with("security_code", state.security_code().to_string())
        .with("devices", devices)
        .with("puk_generations", generations)
        .with("addresses", texts(state.addresses()))
        .with("escrow", escrow)
        .with("escrow_on", state.escrow().is_some())
        .with("rotation_due", state.rotation_due())
        .with("has_active_device", state.has_active_device())
}
