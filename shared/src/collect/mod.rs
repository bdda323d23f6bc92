//! Collection: the planner decides windows from watermarks, the runner drives connectors
//! through them within a deadline and hands every window to the store.

mod budget;
mod planner;
mod runner;

pub use planner::{start_of_run, windows};
pub use runner::{Clock, Collector, Range, RangeError, RunSummary, Target, check_credentials};
