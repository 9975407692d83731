//! Integration tests of the engine, on tiny models that know nothing of trading.

// Replay handles and schedule strings survive the trip through text (quickcheck).
mod roundtrip;
mod verdicts;
// Async tasks: what an event loop and worker threads let interleave, under every scheduler.
mod tasks;
// A handle that does not fit the model is `stale`, with a typed reason.
mod stale;
// A child process ends at its wall-clock limit, and with its parent.
#[cfg(unix)]
mod isolation;
