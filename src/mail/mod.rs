//! Mail: the envelope, sealing on the sender's device, opening a copy, the server's key-free
//! work, access-restricted links, the footer and abuse reports (SPEC.md §6, §10, §11, §13).

pub mod envelope;
pub mod footer;
pub mod link;
pub mod open;
pub mod report;
pub mod seal;
pub mod server;

#[cfg(test)]
mod tests;
