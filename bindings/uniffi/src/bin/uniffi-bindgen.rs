//! `uniffi-bindgen` at exactly this crate's UniFFI version: `generate.sh` runs it on the built
//! library to write the Kotlin, Swift and Python sources.

fn main() {
    uniffi::uniffi_bindgen_main()
}
