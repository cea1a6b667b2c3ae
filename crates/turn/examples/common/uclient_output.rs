//! Reading `turnutils_uclient`'s output; shared by the TURN benchmark and the tests
//! (`#[path]`-included: examples and tests cannot share a module otherwise).

/// The last `tot_recv_bytes ~ N` the client printed (it prints running totals): the payload
/// that came back through the relay.
pub fn final_received(output: &str) -> u64 {
    const MARK: &str = "tot_recv_bytes ~ ";
    output
        .rfind(MARK)
        .and_then(|at| {
            output[at + MARK.len()..]
                .split(|c: char| !c.is_ascii_digit())
                .next()
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
