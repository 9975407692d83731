//! How a crate of models describes its races to the command line and the gate.
//!
//! A [`Race`] is one documented bug: an id, where it is documented, its variants (`before`,
//! `documented-fix`, `correct-fix`, …), its race window, and a way to build the body of one
//! execution for a variant from a scenario's parameters. Parameters arrive as a TOML table; a
//! race reads them into its own typed struct and says clearly what it expected.

use std::fmt;
use std::sync::Arc;

use crate::explore::Model;

/// What a race says about itself: one `const` per race.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RaceInfo {
    /// The race's id, as scenario files and handles spell it (`reentry`).
    pub id: &'static str,
    /// A one-line title.
    pub title: &'static str,
    /// Where the race is documented (file and section).
    pub source: &'static str,
    /// The variants, in the order reports list them.
    pub variants: &'static [&'static str],
    /// The most threads an execution spawns (loom allows at most 4 besides the main thread).
    pub threads: usize,
    /// How the bot's actors run, as the bot runs them: `"threads"` (of one process),
    /// `"processes"` (sharing only outside systems), `"asyncio"` or `"Node.js event loop"`
    /// (async tasks on one event loop, see [`crate::tasks`]). Every actor is a facade thread
    /// either way; this says which rules the model follows, so a reader knows what a switch
    /// between two of its steps means.
    pub runtime: &'static str,
}

/// One documented race, with its variants.
pub trait Race: Send + Sync {
    /// What the race says about itself.
    fn info(&self) -> &RaceInfo;

    /// Builds the model of `variant` with `params`, named `target` in replay handles.
    fn model(&self, target: &str, variant: &str, params: &toml::Table) -> Result<Model, RaceError>;

    /// The race's id (`reentry`).
    fn id(&self) -> &'static str {
        self.info().id
    }

    /// A one-line title.
    fn title(&self) -> &'static str {
        self.info().title
    }

    /// Where the race is documented.
    fn source(&self) -> &'static str {
        self.info().source
    }

    /// The variants, in the order reports list them.
    fn variants(&self) -> &'static [&'static str] {
        self.info().variants
    }

    /// The most threads an execution spawns.
    fn threads(&self) -> usize {
        self.info().threads
    }

    /// How the bot's actors run (threads, processes, an event loop).
    fn runtime(&self) -> &'static str {
        self.info().runtime
    }

    /// Checks that `variant` is one of [`Race::variants`].
    fn check_variant(&self, variant: &str) -> Result<(), RaceError> {
        if self.variants().contains(&variant) {
            Ok(())
        } else {
            Err(RaceError::UnknownVariant {
                race: self.id(),
                variant: variant.to_owned(),
                expected: self.variants().join(", "),
            })
        }
    }
}

/// Why a race could not build a model.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RaceError {
    /// The race has no such variant.
    UnknownVariant {
        /// The race.
        race: &'static str,
        /// The variant asked for.
        variant: String,
        /// The variants it has.
        expected: String,
    },
    /// The parameters do not fit the race.
    BadParams {
        /// The race.
        race: &'static str,
        /// What was wrong, and what was expected.
        message: String,
    },
}

impl fmt::Display for RaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownVariant { race, variant, expected } => {
                write!(f, "race `{race}` has no variant `{variant}`; expected one of: {expected}")
            }
            Self::BadParams { race, message } => {
                write!(f, "parameters of race `{race}`: {message}")
            }
        }
    }
}

impl std::error::Error for RaceError {}

/// Reads a race's parameters into `P`, with defaults for what the table leaves out.
pub fn params<P: serde::de::DeserializeOwned>(race: &'static str, table: &toml::Table) -> Result<P, RaceError> {
    P::deserialize(toml::Value::Table(table.clone()))
        .map_err(|e| RaceError::BadParams { race, message: e.message().to_owned() })
}

/// A race's variants: a fieldless enum whose every value has the name scenario files use.
/// Declare one with [`variants!`](crate::variants), which writes the enum and this table from one
/// list, so that the names are spelled once.
pub trait Variants: Copy + Send + Sync + 'static {
    /// Every variant with its name, in the order reports list them.
    const ALL: &'static [(&'static str, Self)];
    /// The names alone, in the same order (a race's [`RaceInfo::variants`]).
    const NAMES: &'static [&'static str];
}

/// Declares a race's variants once: the enum, and its [`Variants`] table of names.
///
/// ```
/// harness::variants! {
///     /// The variants, as scenario files name them.
///     enum Variant {
///         Before = "before",
///         Fixed = "fixed",
///     }
/// }
/// use harness::race::Variants;
/// assert_eq!(Variant::NAMES, ["before", "fixed"]);
/// ```
#[macro_export]
macro_rules! variants {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $label:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $crate::race::Variants for $name {
            const ALL: &'static [(&'static str, Self)] = &[$(($label, Self::$variant)),+];
            const NAMES: &'static [&'static str] = &[$($label),+];
        }
    };
}

/// A race's parameters, read from a scenario's `[params]` table with serde, then checked.
pub trait Params: serde::de::DeserializeOwned + Send + Sync + 'static {
    /// Checks what serde cannot (ranges, relations between values). An `Err` says what was wrong
    /// and what was expected; it becomes [`RaceError::BadParams`]. Defaults to accepting.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }

    /// The race window for these parameters. Defaults to the race's own `window`; a race whose
    /// scenarios exercise different windows picks one here.
    fn window(&self, window: &'static str) -> &'static str {
        window
    }
}

/// The check most [`Params::check`]s make: `value` (the parameter `name`) lies in `range`, or an
/// error saying so, e.g. `polls = 5: expected 1 to 4`.
///
/// ```
/// use harness::race::in_range;
/// assert_eq!(in_range("polls", 3, 1..=4), Ok(()));
/// assert_eq!(in_range("polls", 5, 1..=4), Err("polls = 5: expected 1 to 4".to_owned()));
/// ```
pub fn in_range<T>(name: &str, value: T, range: std::ops::RangeInclusive<T>) -> Result<(), String>
where
    T: PartialOrd + std::fmt::Display,
{
    if range.contains(&value) {
        Ok(())
    } else {
        Err(format!("{name} = {value}: expected {} to {}", range.start(), range.end()))
    }
}

/// The variant of `race` named `name`, from `V`'s table; an error naming the variants there are.
pub fn variant<V: Variants>(race: &dyn Race, name: &str) -> Result<V, RaceError> {
    race.check_variant(name)?;
    match V::ALL.iter().find(|(n, _)| *n == name) {
        Some(&(_, variant)) => Ok(variant),
        None => {
            Err(RaceError::UnknownVariant { race: race.id(), variant: name.to_owned(), expected: V::NAMES.join(", ") })
        }
    }
}

/// The one way to build a race's model: picks the variant by name from `V`'s table, reads the
/// parameters into `P` and checks them, and makes `run(variant, &params)` the body of every
/// execution, with the race window `window` (or the one [`Params::window`] picks). The
/// parameters are shared (`Arc`): an execution whose actors need them keeps a handle
/// (`Arc::clone`), never a copy (a copy per execution cost more than the harness's own work on
/// the overhead benchmark, measured with callgrind).
pub fn model<V: Variants, P: Params>(
    race: &dyn Race,
    (target, variant, params): (&str, &str, &toml::Table),
    window: &'static str,
    run: fn(V, &Arc<P>),
) -> Result<Model, RaceError> {
    let variant: V = self::variant(race, variant)?;
    let params: Arc<P> = Arc::new(self::params(race.id(), params)?);
    params.check().map_err(|message| RaceError::BadParams { race: race.id(), message })?;
    let window = params.window(window);
    Ok(Model::new(target, move || run(variant, &params)).with_window(window))
}

/// A race written as one table: what it says about itself, its race window, and the body of an
/// execution. Its [`Race::model`] is [`model`]. A crate of models lists `&Spec { .. }` values.
#[derive(Debug)]
pub struct Spec<V, P> {
    /// What the race says about itself; `variants` is `V::NAMES`.
    pub info: RaceInfo,
    /// The race window (see [`Params::window`]).
    pub window: &'static str,
    /// The body of one execution of a variant with a scenario's parameters.
    pub run: fn(V, &Arc<P>),
}

impl<V: Variants, P: Params> Race for Spec<V, P> {
    fn info(&self) -> &RaceInfo {
        &self.info
    }

    fn model(&self, target: &str, variant: &str, params: &toml::Table) -> Result<Model, RaceError> {
        model(self, (target, variant, params), self.window, self.run)
    }
}
