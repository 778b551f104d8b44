#![no_main]
//! See `mailseal::fuzzing::piece_reader`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::piece_reader(data));
