//! ESM PLUS (Gmarket, Auction; seller-centers.md §4): the review list page's parser. Not a
//! registered center: the facts reach neither the HTTP login nor a page that names the
//! session's seller (the store identity check of §0), so nothing is collected from it yet.
//! What is missing is listed in README.md ("ESM PLUS notes").

pub mod reviews;

#[cfg(test)]
mod tests;
