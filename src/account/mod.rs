//! What a user's devices do with their keys: seed wraps and rotation, recovery codes, escrow,
//! and the user's own data (SPEC.md §7–9).

pub mod backup;
pub mod devices;
pub mod escrow;
pub mod userdata;
pub(crate) mod wrap;

#[cfg(test)]
mod tests;
