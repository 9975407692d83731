//! A list in an invariant's message, written only when the message is.
//!
//! `harness::ensure!` formats its details only when the invariant fails, but a list built
//! beforehand (`Vec<String>` joined with ", ") was built in every execution, failing or not: a
//! check that holds — nearly every execution of a search — paid for strings nobody read.
//! [`Listed`] writes the same text, lazily, from the items themselves.

use std::fmt;

/// Displays `items` separated by ", ": what collecting their `to_string()` and joining with ", "
/// gave, without the strings.
///
/// ```
/// use models::listed::Listed;
/// use models::world::OrderId;
///
/// assert_eq!(Listed(&[OrderId(1), OrderId(2)]).to_string(), "#1, #2");
/// assert_eq!(Listed::<OrderId>(&[]).to_string(), "");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Listed<'a, T>(pub &'a [T]);

impl<T: fmt::Display> fmt::Display for Listed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}
