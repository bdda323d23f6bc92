//! The coupang collector's Lambda bootstrap. The Lambda glue (event decoding, handler) is
//! wired by the Lambda-fleet work; until then this binary states so and exits.

fn main() -> std::process::ExitCode {
    eprintln!("sellerbox-coupang: the Lambda handler is not wired yet");
    std::process::ExitCode::FAILURE
}
