//! The variants most races have, declared once: the code before the fix, the fix exactly as
//! the write-up shows it, and a fix that holds.
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
