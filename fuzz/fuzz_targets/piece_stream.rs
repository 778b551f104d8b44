#![no_main]
//! Piece ciphertext under a fixed key, pushed in fuzzer-chosen parts; see `mailseal::fuzzing`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::piece_stream(data));
