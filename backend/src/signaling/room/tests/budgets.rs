//! The budgets a slot spends: ICE candidates per negotiation and the chat rate.

use super::*;

#[test]
fn candidates_are_capped_per_slot_until_its_next_description() {
    let cap = MAX_CANDIDATES_PER_NEGOTIATION;
    // (what the capped member sends to start again, whether it starts a new negotiation)
    let cases = [
        (Action::Offer(description(SdpType::Offer)), true),
        (Action::Answer(description(SdpType::Answer)), true),
        (chat(1), false),
        (Action::Candidate(candidate(0)), false),
    ];
    for (restart, resets) in cases {
        let (mut s, a, b) = pair(RoomType::Coding);
        for n in 0..cap {
            assert_eq!(
                s.apply(room(), &a, Action::Candidate(candidate(n))).outcome,
                Outcome::Done
            );
        }
        let step = s.apply(room(), &a, Action::Candidate(candidate(cap)));
        assert_eq!(step.outcome, Outcome::Refused(ErrorCode::TooManyCandidates));
        assert_eq!(recipients(&step), vec![a.conn], "the peer hears nothing");
        // The other slot has its own count.
        assert_eq!(
            s.apply(room(), &b, Action::Candidate(candidate(1))).outcome,
            Outcome::Done
        );
        s.apply(room(), &a, restart.clone());
        let expected = if resets {
            Outcome::Done
        } else {
            Outcome::Refused(ErrorCode::TooManyCandidates)
        };
        assert_eq!(
            s.apply(room(), &a, Action::Candidate(candidate(1))).outcome,
            expected,
            "after {restart:?}"
        );
    }
}

#[test]
fn a_new_connection_in_the_slot_starts_with_no_candidates() {
    let cap = MAX_CANDIDATES_PER_NEGOTIATION;
    for (how, again) in [("reload", member(3, 1)), ("leave, join", member(1, 1))] {
        let (mut s, a, _) = pair(RoomType::Coding);
        for n in 0..cap {
            s.apply(room(), &a, Action::Candidate(candidate(n)));
        }
        if how == "leave, join" {
            s.apply(room(), &a, Action::Leave);
        }
        s.join(room(), &again, RoomType::Coding);
        assert_eq!(
            s.apply(room(), &again, Action::Candidate(candidate(1)))
                .outcome,
            Outcome::Done,
            "{how}"
        );
    }
}

#[test]
fn chat_is_rate_limited_per_member_by_the_time_passed_in() {
    let interval = 60_000 / i64::from(CHAT_PER_MINUTE);
    let (mut s, a, b) = pair(RoomType::Language);
    let t0 = 1_000_000;
    for _ in 0..CHAT_BURST {
        assert_eq!(s.apply(room(), &a, chat(t0)).outcome, Outcome::Done);
    }
    let step = s.apply(room(), &a, chat(t0));
    assert_eq!(step.outcome, Outcome::Refused(ErrorCode::RateLimited));
    assert_eq!(
        recipients(&step),
        vec![a.conn],
        "the refused line reaches nobody"
    );
    // The other member's budget is its own.
    assert_eq!(s.apply(room(), &b, chat(t0)).outcome, Outcome::Done);
    // Signaling is not chat.
    assert_eq!(
        s.apply(room(), &a, Action::Candidate(candidate(1))).outcome,
        Outcome::Done
    );
    // (time since the burst, whether one more line is accepted)
    for (later, accepted) in [(interval - 1, false), (interval, true), (interval, false)] {
        let outcome = s.apply(room(), &a, chat(t0 + later)).outcome;
        assert_eq!(outcome == Outcome::Done, accepted, "at +{later} ms");
    }
    // A long pause refills the burst, never more.
    let rested = t0 + 3_600_000;
    let accepted = (0..CHAT_BURST * 2)
        .filter(|_| s.apply(room(), &a, chat(rested)).outcome == Outcome::Done)
        .count();
    assert_eq!(accepted, CHAT_BURST as usize);
}

#[test]
fn the_chat_rate_follows_the_account_across_a_reload() {
    let (mut s, a, _) = pair(RoomType::Language);
    for _ in 0..CHAT_BURST {
        s.apply(room(), &a, chat(5));
    }
    let reloaded = member(3, 1);
    s.join(room(), &reloaded, RoomType::Language);
    assert_eq!(
        s.apply(room(), &reloaded, chat(5)).outcome,
        Outcome::Refused(ErrorCode::RateLimited)
    );
}

#[test]
fn the_budget_allows_a_burst_then_one_line_per_interval() {
    let interval = 60_000 / i64::from(CHAT_PER_MINUTE);
    let burst = i64::from(CHAT_BURST);
    // (times of the lines sent, how many are accepted)
    let cases: [(Vec<i64>, usize); 4] = [
        (vec![0; CHAT_BURST as usize], CHAT_BURST as usize),
        (vec![0; CHAT_BURST as usize + 1], CHAT_BURST as usize),
        // One line per interval, for ever.
        ((0..100).map(|i| i * interval).collect(), 100),
        // Twice the rate for 19.5 intervals: the burst, then one line per interval.
        (
            (0..40).map(|i| i * interval / 2).collect(),
            (burst + 19) as usize,
        ),
    ];
    for (times, accepted) in cases {
        let mut budget = ChatBudget::default();
        let got = times.iter().filter(|t| budget.take(**t)).count();
        assert_eq!(got, accepted, "{times:?}");
    }
}
