//! `sqlx::migrate!` embeds the migration files at compile time, but cargo does not know the
//! macro read them: without this, a new migration is left out of the build until some Rust
//! file of the crate changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
