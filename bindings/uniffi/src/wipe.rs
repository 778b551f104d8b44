//! Wipe on free: every heap block the library frees is overwritten with zeros first.
//!
//! Values cross the boundary in buffers UniFFI allocates and frees (a plaintext returned to
//! Python is copied into one, read by the foreign side, then freed by it), and Rust code
//! everywhere drops temporaries it never thinks of as secret (a `Vec` that grew and moved
//! its contents). The library wipes its own keys on drop; this allocator makes the rest
//! of the freed memory hold no plaintext or key either. It wraps the system allocator;
//! growing a block is done as allocate, copy, wipe and free the old one. The cost is one
//! `memset` per free, measured in BENCHMARKS.md.
//!
//! It is the global allocator of this shared library only (the foreign runtime's own
//! memory is its own); a Rust program that links the crate as a library gets it too, unless
//! it turns off the default feature `wipe`.

#![allow(unsafe_code)]

// The allocator itself, shared with examples/bench.rs (which switches it on and off).
include!("wipe_alloc.rs");

#[cfg(feature = "wipe")]
#[global_allocator]
static WIPE_ON_FREE: WipingAllocator = WipingAllocator;
