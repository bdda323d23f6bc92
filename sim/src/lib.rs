//! Marketplace simulators. Each serves one marketplace's documented contract on
//! 127.0.0.1 — authentication, limits, pagination, error shapes, encodings — over a
//! deterministic, seeded world of orders, claims, settlements and inquiries whose
//! statuses move as simulated time advances.
//!
//! This crate deliberately does not depend on the collectors: it is written from the
//! marketplaces' documents, so a collector passing against it passes against the contract.

pub mod centers;
pub mod clock;
pub mod coupang;
pub mod elevenst;
pub mod esm;
pub mod faults;
pub mod limits;
pub mod lotteon;
pub mod names;
pub mod naver;
pub mod quirks;
pub mod reviews;
pub mod server;
pub mod ssg;
pub mod world;

pub use clock::SimClock;
pub use faults::Faults;
pub use server::{RunningSim, SimConfig, SimSpec, Truth, start};
pub use world::SellerSizes;

/// Every simulated market; adding one is its module above and one line here.
pub static MARKETS: &[&SimSpec] = &[
    &coupang::SIM,
    &naver::SIM,
    &ssg::SIM,
    &lotteon::SIM,
    &elevenst::SIM,
    &esm::GMARKET,
    &esm::AUCTION,
];

/// Every simulated seller center, served on its market's port; adding one is its module
/// in `centers/` and one line here.
pub static CENTERS: &[&centers::CenterSim] = &[
    &centers::naver::CENTER,
    &centers::coupang::CENTER,
    &centers::esm::GMARKET,
    &centers::esm::AUCTION,
];

/// The seller-center simulator served with `market`'s simulator.
pub fn center_of(market: &str) -> Option<&'static centers::CenterSim> {
    CENTERS.iter().copied().find(|c| c.market == market)
}

/// Markets whose inquiry listing shows only some inquiries, with the rule it shows them
/// by (SSG: unanswered ones only), by id: `/_sim/truth` answers `inquiries` with what the
/// market lists. Markets not named here list every inquiry by when it was asked.
pub static INQUIRY_LISTINGS: &[(&str, world::InquiryRule)] = &[("ssg", ssg::qna_listed)];

/// The simulator of the market with this id.
pub fn find(id: &str) -> Option<&'static SimSpec> {
    MARKETS.iter().copied().find(|m| m.id == id)
}
