//! Integration tests of the engine, on tiny models that know nothing of trading.

mod verdicts;
