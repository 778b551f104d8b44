//! SECURITY.md promises that library code has no `unwrap`, `expect`, `panic`, unchecked
//! indexing or unchecked arithmetic, enforced by the build. This pins the enforcement: the
//! crate root denies each of those clippy lints outside tests (CI runs clippy with
//! `-D warnings`), so removing one fails here.

#[test]
fn library_code_denies_panicking_lints() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs"))
        .expect("src/lib.rs");
    let start = lib
        .find("#![cfg_attr(\n    not(test),\n    deny(")
        .expect("a crate-level deny of clippy lints outside tests");
    let attribute = &lib[start..start + lib[start..].find(")\n)]").expect("end of attribute")];
    for lint in [
        "clippy::unwrap_used",
        "clippy::expect_used",
        "clippy::panic",
        "clippy::indexing_slicing",
        "clippy::arithmetic_side_effects",
    ] {
        assert!(
            attribute.contains(lint),
            "{lint} is not denied in src/lib.rs"
        );
    }
    assert!(lib.contains("#![forbid(unsafe_code)]"));
}
