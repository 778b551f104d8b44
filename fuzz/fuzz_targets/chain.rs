#![no_main]
//! See `mailseal::fuzzing::chain_target`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::chain_target(data));
