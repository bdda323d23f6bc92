//! The registry of markets is one list on each side: the collectors' (`markets::registry!`)
//! and the simulators' (`sim::MARKETS`). Every market is on both, under the same id, and
//! the default build carries every connector.

use sellerbox::markets;
use sellerbox::model::Market;

#[test]
fn every_market_has_a_connector_and_a_simulator_under_the_same_id() {
    for &market in Market::ALL {
        let spec = markets::spec(market)
            .unwrap_or_else(|| panic!("{market}: the default build leaves its connector out"));
        assert_eq!(
            spec.market, market,
            "{market}: its spec names another market"
        );
        assert!(
            sim::find(market.as_str()).is_some(),
            "{market}: no simulator in sim::MARKETS"
        );
    }
    for sim in sim::MARKETS {
        assert!(
            sim.id.parse::<Market>().is_ok(),
            "simulator {:?} is of no registered market",
            sim.id
        );
    }
    assert_eq!(markets::compiled().count(), Market::ALL.len());
}

#[test]
fn market_ids_round_trip_through_text_and_json() {
    for &market in Market::ALL {
        assert_eq!(market.as_str().parse::<Market>().unwrap(), market);
        let json = serde_json::to_string(&market).unwrap();
        assert_eq!(serde_json::from_str::<Market>(&json).unwrap(), market);
    }
    let err = "gmarkett".parse::<Market>().unwrap_err().to_string();
    assert!(err.contains("known markets: coupang"), "{err}");
}
