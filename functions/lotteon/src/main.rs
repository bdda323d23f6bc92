//! The lotteon collector: one Lambda function serving schedules, API requests and direct
//! invocations (see `sellerbox::lambda`).

use sellerbox::lambda::{self, LambdaError};
use sellerbox::model::Market;

// One thread: see `sellerbox::lambda::run`.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), LambdaError> {
    lambda::run(Market::LotteOn).await
}
