//! `mailseal validate`: the server's key-free validation of an uploaded envelope, or of a
//! stored copy, against the lengths of the piece ciphertexts uploaded with it (SPEC.md §10.4).

use mailseal::mail::envelope::{Copy, Envelope, RoutingHeader};
use mailseal::mail::server::{validate_copy, validate_envelope};

use crate::cbor::{self, Value};
use crate::learned;
use crate::report::{J, failure};
use crate::schema;

/// Whether the input is a copy (its `b` is one box, a map) rather than an envelope.
fn is_copy(input: &[u8]) -> bool {
    cbor::read(input, 0, input.len())
        .ok()
        .and_then(|n| n.field("b").map(|b| matches!(b.value, Value::Map(_))))
        .unwrap_or(false)
}

/// The piece sizes the header states, if the input parses that far.
fn stated_sizes(input: &[u8], copy: bool) -> Option<Vec<u64>> {
    let header = if copy {
        Copy::parse(input).ok()?.header
    } else {
        Envelope::parse(input).ok()?.header
    };
    Some(RoutingHeader::parse(&header.0).ok()?.0.piece_sizes)
}

/// The report, and whether validation passed. Without `piece_lengths`, the header's own
/// sizes are checked (as splitting does): every other check still runs.
pub fn validate(name: &str, input: &[u8], piece_lengths: Option<Vec<u64>>) -> (J, bool) {
    let copy = is_copy(input);
    let shape = if copy {
        &schema::COPY
    } else {
        &schema::ENVELOPE
    };
    let (lengths, from) = match piece_lengths {
        Some(l) => (l, "the command line"),
        None => (
            stated_sizes(input, copy).unwrap_or_default(),
            "the header (none were given)",
        ),
    };
    let result = if copy {
        validate_copy(input, &lengths)
    } else {
        validate_envelope(input, &lengths)
    };
    let by = if copy {
        "mailseal::mail::server::validate_copy"
    } else {
        "mailseal::mail::server::validate_envelope"
    };
    let out = J::obj()
        .with("input", name)
        .with("structure", shape.name)
        .with("spec", "§10.4")
        .with("by", by)
        .with("piece_lengths", lengths.clone())
        .with("piece_lengths_from", from);
    let ok = result.is_ok();
    let out = match result {
        Ok(info) => out
            .with("result", "ok")
            .with("routing", learned::routing(&info)),
        Err(e) => out.with("result", "failed").merge(failure(&e)),
    };
    (out, ok)
}
