#![no_main]
//! See `mailseal::fuzzing::transparency_target`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::transparency_target(data));
