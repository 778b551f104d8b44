//! Tests of whole mails: sealing, splitting, opening, the footer, refusals, and the lines a
//! mutation run showed unpinned.

mod footer;
mod identity;
mod mail;
mod refusal;
mod report;
mod strength;
