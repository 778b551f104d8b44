#![no_main]
//! See `mailseal::fuzzing::link_copy_target`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::link_copy_target(data));
