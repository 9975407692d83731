//! A per-thread cache of released stacks (racecheck's patch; see `PATCHED.md` at the crate root).
//!
//! loom starts every thread of every execution on a new generator, so a model explored a million
//! times maps, guards and unmaps a few million small stacks: `mmap`, `mprotect`, `munmap` and the
//! page faults of fresh pages were most of the time of an exhaustive search (measured: a proof
//! 25 s with fresh stacks, 7 s with this cache). A released stack, guard page still in place, is
//! kept here and handed to the next request of the same length instead.
//!
//! A stack is reused only as the allocator would give it: the same usable length, the guard page
//! below it untouched; `Stack::new` writes its usage sentinel again and starts the bump offset at
//! zero, as for a fresh mapping. A stack an overflow abandoned is never kept. The cache holds at
//! most [`KEEP`] stacks per thread, and unmaps them when the thread ends.

use std::cell::RefCell;
use std::os::raw::c_void;

use super::{sys, SysStack};

/// The most stacks one thread keeps.
const KEEP: usize = 16;

/// The stacks kept (each a usable region, the guard page below it).
struct Pool(Vec<SysStack>);

impl Drop for Pool {
    fn drop(&mut self) {
        for stack in self.0.drain(..) {
            unmap(&stack);
        }
    }
}

thread_local! {
    static POOL: RefCell<Pool> = const { RefCell::new(Pool(Vec::new())) };
}

/// A kept stack whose usable region is `len` bytes long, if there is one.
pub(super) fn take(len: usize) -> Option<SysStack> {
    POOL.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        let at = pool.0.iter().rposition(|kept| kept.len() == len)?;
        Some(pool.0.swap_remove(at))
    })
    .ok()
    .flatten()
}

/// Keeps `stack` for a later [`take`]; `false` (the caller unmaps it) when the cache is full or
/// the thread is ending.
pub(super) fn put(stack: &SysStack) -> bool {
    POOL.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        let keep = pool.0.len() < KEEP;
        if keep {
            pool.0
                .push(unsafe { SysStack::new(stack.top(), stack.bottom()) });
        }
        keep
    })
    .unwrap_or(false)
}

/// Unmaps `stack` and the guard page below it.
pub(super) fn unmap(stack: &SysStack) {
    let page_size = sys::page_size();
    let guard = stack
        .bottom()
        .cast::<u8>()
        .wrapping_sub(page_size)
        .cast::<c_void>();
    unsafe { sys::deallocate_stack(guard, stack.len() + page_size) };
}

#[cfg(test)]
mod tests {
    use super::super::Stack;
    use super::*;

    #[test]
    fn a_released_stack_is_handed_out_again_for_the_same_length() {
        let first = Stack::new(0x1000);
        let bottom = first.begin();
        drop(first);
        let second = Stack::new(0x1000);
        assert_eq!(
            second.begin(),
            bottom,
            "the released mapping, not a new one"
        );
        // Another length gets a mapping of its own.
        let other = Stack::new(0x2000);
        assert_ne!(other.begin(), bottom);
    }

    #[test]
    fn a_reused_stack_starts_as_a_fresh_one() {
        let first = Stack::new(0x1000);
        let size = first.size();
        unsafe { first.begin().write_bytes(0x55, size) };
        drop(first);
        let second = Stack::new(0x1000);
        assert_eq!(second.size(), size);
        assert_eq!(
            second.end(),
            unsafe { second.begin().add(size) },
            "bump offset at zero"
        );
        // The usage sentinel is written again: an untouched stack reads as (nearly) unused.
        assert!(second.get_used_size() <= size - super::super::STACK_USAGE_SAMPLE);
    }

    #[test]
    fn an_abandoned_stack_is_never_kept() {
        let kept = || POOL.with(|p| p.borrow().0.len());
        let (stack, other) = (Stack::new(0x1000), Stack::new(0x1000));
        let before = kept();
        stack.abandon();
        drop(stack);
        assert_eq!(kept(), before, "the abandoned mapping was unmapped");
        drop(other);
        assert_eq!(kept(), before + 1, "a stack released normally is kept");
    }

    #[test]
    fn the_cache_keeps_at_most_keep_stacks() {
        let stacks: Vec<Stack> = (0..KEEP + 4).map(|_| Stack::new(0x3000)).collect();
        drop(stacks);
        assert_eq!(POOL.with(|p| p.borrow().0.len()), KEEP);
    }
}
