//! Tests of the whole: golden files, round trips, hostile values, refusals, determinism.

mod fixtures;
mod golden;
mod hostile;
mod read_back;
mod refusals;
mod round_trip;
