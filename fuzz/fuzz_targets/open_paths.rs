#![no_main]
//! See `mailseal::fuzzing::open_paths`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::open_paths(data));
