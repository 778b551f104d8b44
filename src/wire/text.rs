//! Text fields: addresses and message ids (SPEC.md §6.1), shared by mail and chains.

use crate::error::{Error, Field, Malformed};

/// Longest address, in bytes (RFC 5321's path limit, rounded up to 320).
pub const MAX_ADDRESS_LEN: usize = 320;
/// Longest message id, in bytes (RFC 5322's line limit).
pub const MAX_MESSAGE_ID_LEN: usize = 998;

/// SPEC.md §6.1: an address is 1 to 320 bytes of UTF-8 with no control characters.
pub(crate) fn check_address(address: &str) -> Result<(), Error> {
    check_text(address, MAX_ADDRESS_LEN).map_err(|()| Malformed::Field(Field::Address).into())
}

/// SPEC.md §6.1: a message id is 1 to 998 bytes of UTF-8 with no control characters.
pub(crate) fn check_message_id(id: &str) -> Result<(), Error> {
    check_text(id, MAX_MESSAGE_ID_LEN).map_err(|()| Malformed::Field(Field::MessageId).into())
}

/// Non-empty, at most `max` bytes, no control character (Unicode general category Cc:
/// U+0000–U+001F and U+007F–U+009F).
fn check_text(s: &str, max: usize) -> Result<(), ()> {
    // Printable ASCII, the common case, needs no decoding; otherwise every character is
    // decoded and its category checked.
    let printable_ascii = s
        .bytes()
        .fold(true, |all, b| all & (0x20..0x7f).contains(&b));
    if s.is_empty() || s.len() > max || (!printable_ascii && s.chars().any(char::is_control)) {
        return Err(());
    }
    Ok(())
}
