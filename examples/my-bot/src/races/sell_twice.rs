//! # Sell twice: the stop-loss and the close-out both sell the position
//!
//! My bot holds one position per symbol and has two ways out of it: the stop-loss watcher, on a
//! tick below the stop, and the end-of-day close-out job. Each does the same thing:
//!
//! ```python
//! qty = broker.get_position(symbol)
//! if qty > 0:
//!     broker.sell_market(symbol, qty)
//! ```
//!
//! On a falling close both fire at once: both read 100, both sell 100, and the account is short
//! 100 shares it never meant to sell.
//!
//! ## Actors
//! `stop-loss` and `close-out`: each exits the position once, as above. The broker fills market
//! orders as they arrive. The account holds `size` shares before they start.
//!
//! ## Variants
//! - `before`: the code above, unguarded: a check-then-act on the broker's position.
//! - `fix`: one exit lock per symbol, held from reading the position until the sell has been
//!   answered (`with self.exit_lock:`). The fill is done when the broker answers, so the second
//!   exit reads 0 and sells nothing — also when the sell was rejected (nothing sold, the other
//!   exit may sell) or timed out after it filled (the position read afterwards is the truth).
//!
//! ## Invariants
//! - Never sell more than is held: the broker's position never goes below zero.
//!
//! Race window: both exits inside an exit (from deciding to exit to the sell's answer) at once.

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::{thread, Arc, Mutex};
use harness::{Model, Overlap, Race};
use models::world::{Behaviour, Kind, Side, SimBroker};
use models::worlds::{Dim, Space};
use serde::Deserialize;

const INVARIANT: &str = "never sell more than is held";
const WINDOW: &str = "both exits between reading the position and the sell's answer";

harness::variants! {
    /// The variants, as scenario files name them.
    pub enum Variant {
        /// The unguarded check-then-sell.
        Before = "before",
        /// The exit lock held across the check and the sell.
        Fix = "fix",
    }
}

/// A scenario's parameters (`[params]` in `scenarios/sell-twice.toml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// Shares held before the exits start.
    size: u64,
    /// The broker rejects the next `rejects` orders.
    rejects: u32,
    /// The next `timeouts` orders take effect, but their answer times out.
    timeouts: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self { symbol: "ABC".into(), size: 100, rejects: 0, timeouts: 0 }
    }
}

impl harness::race::Params for Params {
    fn check(&self) -> Result<(), String> {
        if self.size == 0 {
            return Err("`size = 0` holds nothing to sell; expected at least 1 share".into());
        }
        Ok(())
    }
}

struct Bot {
    variant: Variant,
    symbol: String,
    exit_lock: Mutex<()>,
    broker: SimBroker,
    window: Overlap,
}

impl Bot {
    /// One exit: read the position, sell all of it.
    fn exit(&self) {
        let _inside = self.window.enter();
        let _guard = match self.variant {
            Variant::Before => None,
            Variant::Fix => Some(self.exit_lock.lock()),
        };
        let qty = self.broker.position(&self.symbol);
        tracing::info!("reads position {qty}");
        if qty <= 0 {
            return;
        }
        let qty = qty.unsigned_abs();
        tracing::info!("sells {qty} at market");
        if let Err(refused) = self.broker.place(&self.symbol, Kind::Market, Side::Sell, qty, None) {
            tracing::info!("the sell was refused: {refused:?}");
        }
    }
}

fn execution(variant: Variant, params: &Arc<Params>) {
    let behaviour = Behaviour {
        fill_market_on_arrival: true,
        rejects: params.rejects,
        timeouts: params.timeouts,
        ..Behaviour::default()
    };
    let bot = Arc::new(Bot {
        variant,
        symbol: params.symbol.clone(),
        exit_lock: Mutex::new(()),
        broker: SimBroker::new(behaviour),
        window: Overlap::new(WINDOW, 2),
    });
    bot.broker.hold(&params.symbol, params.size);
    let exits: Vec<_> = ["stop-loss", "close-out"]
        .into_iter()
        .map(|name| {
            let bot = Arc::clone(&bot);
            thread::spawn(name, move || bot.exit())
        })
        .collect();
    exits.into_iter().for_each(thread::JoinHandle::join);
    if let Some(details) = bot.broker.oversold(&params.symbol, params.size) {
        harness::violated(INVARIANT, details);
    }
}

/// The race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "sell-twice",
        title: "the stop-loss and the close-out both sell the position",
        source: "my-bot: the stop-loss watcher and the close-out job (the story: src/races/sell_twice.rs)",
        variants: Variant::NAMES,
        threads: 2,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};

/// `variant` in the default world (100 shares of ABC, a broker without faults), for a plain
/// `#[test]` with `harness::check`.
pub fn model(variant: Variant) -> Model {
    let name = Variant::ALL.iter().find(|(_, v)| *v == variant).map_or("?", |(name, _)| name);
    let params = Arc::new(Params::default());
    Model::new(format!("sell-twice/{name}"), move || execution(variant, &params)).with_window(WINDOW)
}

fn nothing(_: &mut toml::Table) {}

/// The worlds `racecheck prove sell-twice` enumerates: a round lot or a single share; a broker
/// that rejects the first sell, or answers it with a timeout after it filled.
pub fn space() -> Space {
    let ints = |vs: &[i64]| vs.iter().map(|v| toml::Value::Integer(*v)).collect::<Vec<_>>();
    Space {
        race: "sell-twice",
        dims: vec![
            Dim::one("size", ints(&[100, 1])),
            Dim::one("rejects", ints(&[0, 1])),
            Dim::one("timeouts", ints(&[0, 1])),
        ],
        derive: nothing,
        default_size: 2,
    }
}
