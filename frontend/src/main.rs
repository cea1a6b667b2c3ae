//! Duet's browser app. Placeholder until the web-app issue lands.

fn main() {}
