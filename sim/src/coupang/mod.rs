//! (Skeleton: the simulator lands with its own commit.)

use crate::server::SimState;
use axum::Router;
use std::sync::Arc;

/// The market's router and one credentials entry per seller.
pub fn build(_state: Arc<SimState>, _base_url: &str) -> (Router, Vec<serde_json::Value>) {
    (Router::new(), Vec::new())
}
