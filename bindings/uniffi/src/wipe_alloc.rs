// The wiping allocator of src/wipe.rs, included there and by examples/bench.rs.

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
