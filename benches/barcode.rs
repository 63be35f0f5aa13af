//! Parse + validate throughput of GS1 scans (being written).
fn main() {}
