//! The float stop prices of “Critical Threading Fixes for Live Trading” never reach the broker (quickcheck).
//!
//! The write-up: "Stoploss orders failing with precision errors", fixed by "Decimal precision
//! ensures exact stoploss prices (no `511.95000000000005`)". In floats, a stop trailed to
//! `511.97 - 0.02` is `511.95000000000005`. The simulated world keeps prices as whole
//! hundredths ([`Price`]): the races compute stops in integer hundredths, and a price written
//! as text enters only through `Price::from_str`, which refuses more than two decimals. These
//! properties check both doors, for arbitrary prices and offsets.

use models::world::{Behaviour, Kind, Price, Side, SimBroker};
use quickcheck::{QuickCheck, TestResult};

/// The write-up's own value: the float stop is off the grid, and `Price` refuses it.
#[test]
fn the_float_stop_of_seed_001_is_refused() {
    let float_stop = 511.97_f64 - 0.02;
    assert_eq!(float_stop.to_string(), "511.95000000000005");
    assert!(float_stop.to_string().parse::<Price>().is_err());
    assert_eq!(Price(51_197).0 - Price(2).0, 51_195);
    assert_eq!(Price(51_195).to_string(), "511.95");
}

/// A stop computed in floats, written as Python or Rust writes a float, either reads as exactly
/// the stop computed in hundredths or is refused: it never reaches the broker as another price.
#[test]
fn a_float_stop_is_exact_or_refused() {
    fn prop(ltp: u32, offset: u16) -> TestResult {
        let (ltp, offset) = (i64::from(ltp % 10_000_000), i64::from(offset));
        if offset > ltp {
            return TestResult::discard();
        }
        let float_stop = ltp as f64 / 100.0 - offset as f64 / 100.0;
        let exact = Price(ltp - offset);
        match float_stop.to_string().parse::<Price>() {
            Ok(read) => TestResult::from_bool(read == exact),
            Err(_) => TestResult::passed(),
        }
    }
    QuickCheck::new().tests(5_000).quickcheck(prop as fn(u32, u16) -> TestResult);
}

/// Some float stops really are off the grid: the refusal above is not vacuous.
#[test]
fn float_stops_do_fall_off_the_grid() {
    let off_grid = (1..2_000i64)
        .filter(|&offset| {
            let float_stop = 51_197.0 / 100.0 - offset as f64 / 100.0;
            float_stop.to_string().parse::<Price>().is_err()
        })
        .count();
    assert!(off_grid > 0, "no float stop below 511.97 fell off the grid");
}

/// A price's text is its sign, its whole units and two decimals, for every `i64` there is (the
/// text is written digit by digit, not by `format!`), and it ignores width and fill as before.
#[test]
fn price_text_is_sign_units_and_two_decimals() {
    fn plain(p: i64) -> String {
        let sign = if p < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", p.unsigned_abs() / 100, p.unsigned_abs() % 100)
    }
    fn prop(p: i64) -> bool {
        Price(p).to_string() == plain(p)
    }
    QuickCheck::new().tests(5_000).quickcheck(prop as fn(i64) -> bool);
    for p in [0, 5, -5, 100, -100, 51_195, i64::MAX, i64::MIN, i64::MIN + 1] {
        assert_eq!(Price(p).to_string(), plain(p), "{p}");
    }
    assert_eq!(format!("[{:>8}]", Price(-5)), "[-0.05]");
}

/// Text with more than two decimals is refused, whatever the digits; two or fewer read back
/// exactly, so every price on the grid survives the trip through text and back.
#[test]
fn price_text_round_trips_and_finer_text_is_refused() {
    fn prop(cents: i32, extra: u32) -> bool {
        let price = Price(i64::from(cents));
        let on_grid = price.to_string().parse::<Price>() == Ok(price);
        let finer = format!("{price}{}", extra % 1_000 + 1);
        on_grid && finer.parse::<Price>().is_err()
    }
    QuickCheck::new().tests(5_000).quickcheck(prop as fn(i32, u32) -> bool);
}

/// What the broker receives is the stop the races compute, on the grid, as it shows in the log.
#[test]
fn the_broker_receives_the_stop_on_the_grid() {
    fn prop(ltp: u32, trail: u16) -> TestResult {
        let (ltp, trail) = (i64::from(ltp % 10_000_000), i64::from(trail));
        if trail > ltp {
            return TestResult::discard();
        }
        let broker = SimBroker::new(Behaviour::default());
        let stop = Price(ltp - trail);
        let Ok(id) = broker.place("ABC", Kind::Stop, Side::Sell, 1, Some(stop)) else {
            return TestResult::failed();
        };
        let order = broker.orders().into_iter().find(|o| o.id == id);
        let logged = broker.requests().pop().map(|r| r.what);
        let shown = stop.to_string();
        let decimals = shown.split_once('.').map_or(0, |(_, frac)| frac.len());
        TestResult::from_bool(
            order.and_then(|o| o.price) == Some(stop)
                && logged == Some(format!("place Stop Sell 1 ABC @ {shown}"))
                && decimals == 2,
        )
    }
    QuickCheck::new().tests(2_000).quickcheck(prop as fn(u32, u16) -> TestResult);
}
