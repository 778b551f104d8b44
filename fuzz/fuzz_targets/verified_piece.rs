#![no_main]
//! See `mailseal::fuzzing::verified_piece_target`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::verified_piece_target(data));
