//! The variants most races have, declared once: the code before the fix, the fix exactly as
//! the write-up shows it (or as its pull request merged it), and a fix that holds.
//!
//! A race with other variants (a documented fix in two versions, a mutant, no correct fix)
//! declares its own with `harness::variants!`, as `reentry.rs` does.

harness::variants! {
    /// `before`, `documented-fix` and `correct-fix`, as scenario files name them. What each one
    /// is, for a race, its module's `## Variants` says.
    pub enum Variant {
        /// The code before the fix.
        Before = "before",
        /// The fix exactly as the write-up shows it, flaws included.
        DocumentedFix = "documented-fix",
        /// A fix that holds.
        CorrectFix = "correct-fix",
    }
}

harness::variants! {
    /// `before`, `merged-fix` and `correct-fix`: the variants of a race whose fix is a merged pull
    /// request rather than a write-up's code.
    pub enum Merged {
        /// The code before the pull request.
        Before = "before",
        /// The fix exactly as merged, flaws included.
        MergedFix = "merged-fix",
        /// A fix that holds.
        CorrectFix = "correct-fix",
    }
}
