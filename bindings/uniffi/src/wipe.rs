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

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, wiping each block before freeing it.
pub struct WipingAllocator;

// SAFETY: every method forwards to `System` with the caller's own pointer and layout, which
// `GlobalAlloc`'s contract already makes valid for `System`; `dealloc` writes zeros to the
// `layout.size()` bytes the block owns before handing it back.
unsafe impl GlobalAlloc for WipingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received (non-zero size is the caller's duty).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator with `layout`, so its `layout.size()`
        // bytes are writable until it is freed just below.
        unsafe {
            std::ptr::write_bytes(ptr, 0, layout.size());
            // The block is freed next, so the optimiser would remove the zeros as dead
            // stores; an opaque use of the pointer after them keeps them.
            std::hint::black_box(ptr);
            System.dealloc(ptr, layout);
        }
    }
}

#[cfg(feature = "wipe")]
#[global_allocator]
static WIPE_ON_FREE: WipingAllocator = WipingAllocator;
