//! The canonical order status every market's codes map into.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an order item stands, in the seller's terms. Markets' own codes (and claim
/// codes) map onto these; a code we do not know maps to `Unknown` and is kept raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    PaymentWaiting,
    Paid,
    Preparing,
    Shipping,
    Delivered,
    PurchaseConfirmed,
    CancelRequested,
    Cancelled,
    ReturnRequested,
    Returned,
    ExchangeRequested,
    Exchanged,
    /// The market sent a code no mapping table knows. Never dropped: the raw code is
    /// stored next to it and the row is flagged for a developer to extend the table.
    Unknown,
}

impl Status {
    pub const ALL: [Status; 13] = [
        Status::PaymentWaiting,
        Status::Paid,
        Status::Preparing,
        Status::Shipping,
        Status::Delivered,
        Status::PurchaseConfirmed,
        Status::CancelRequested,
        Status::Cancelled,
        Status::ReturnRequested,
        Status::Returned,
        Status::ExchangeRequested,
        Status::Exchanged,
        Status::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::PaymentWaiting => "payment_waiting",
            Status::Paid => "paid",
            Status::Preparing => "preparing",
            Status::Shipping => "shipping",
            Status::Delivered => "delivered",
            Status::PurchaseConfirmed => "purchase_confirmed",
            Status::CancelRequested => "cancel_requested",
            Status::Cancelled => "cancelled",
            Status::ReturnRequested => "return_requested",
            Status::Returned => "returned",
            Status::ExchangeRequested => "exchange_requested",
            Status::Exchanged => "exchanged",
            Status::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A market's status code together with its canonical meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCode {
    pub canonical: Status,
    /// The market's own code, verbatim (e.g. `FINAL_DELIVERY`, `PAYED/RETURN_REQUEST`).
    pub raw: String,
}

impl StatusCode {
    pub fn new(canonical: Status, raw: impl Into<String>) -> Self {
        StatusCode {
            canonical,
            raw: raw.into(),
        }
    }

    /// True when the raw code was not in the market's mapping table.
    pub fn is_unknown(&self) -> bool {
        self.canonical == Status::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("shipped"), None);
    }
}
