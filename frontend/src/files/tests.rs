//! Two file machines talking through an in-memory channel, with the driver's part
//! (reading slices, keeping bytes) played by the harness, step by step.

use super::machine::{FileEffect, FileInput, FileMachine, LocalFile, TransferState};
use super::wire::{self, Control};
use super::{ACK_EVERY, BLOB_LIMIT, HIGH_WATER, LOW_WATER, SLICE};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// One side: its machine and what its driver holds.
struct Side {
    m: FileMachine,
    /// Files picked to send, by id.
    files: HashMap<u32, Vec<u8>>,
    /// Incoming bytes kept so far, by id.
    kept: HashMap<u32, Vec<u8>>,
    /// Verified files, by name.
    saved: HashMap<String, Vec<u8>>,
    names: HashMap<u32, String>,
    /// Inputs for this side, in order (the channel's and its own driver's).
    inbox: VecDeque<FileInput>,
    /// Bytes of file data this side put on the channel.
    sent_bytes: u64,
    /// Control messages sent, decoded.
    sent: Vec<Control>,
    /// The channel was too full: `Drained` is due when it empties enough.
    wants_drain: bool,
}

impl Side {
    fn new() -> Side {
        Side {
            m: FileMachine::new(BLOB_LIMIT, "too big for this browser".into()),
            files: HashMap::new(),
            kept: HashMap::new(),
            saved: HashMap::new(),
            names: HashMap::new(),
            inbox: VecDeque::new(),
            sent_bytes: 0,
            sent: Vec::new(),
            wants_drain: false,
        }
    }

    fn state(&self, outgoing: bool, id: u32) -> TransferState {
        self.m
            .view()
            .into_iter()
            .find(|t| t.outgoing == outgoing && t.id == id)
            .map(|t| t.state)
            .expect("a transfer with that id")
    }
}

/// Ada and Bob with an open channel between them (its buffer is what waits in the
/// other side's inbox); `now` moves 10 ms a step.
struct Pair {
    sides: [Side; 2],
    open: bool,
    now: Duration,
}

const ADA: usize = 0;
const BOB: usize = 1;

impl Pair {
    fn new() -> Pair {
        let mut p = Pair {
            sides: [Side::new(), Side::new()],
            open: true,
            now: Duration::ZERO,
        };
        for s in 0..2 {
            p.sides[s].inbox.push_back(FileInput::Open);
        }
        p.run();
        p
    }

    /// `who` picks files (id, name, bytes).
    fn offer(&mut self, who: usize, files: &[(u32, &str, Vec<u8>)]) {
        let picked = files
            .iter()
            .map(|(id, name, bytes)| {
                self.sides[who].files.insert(*id, bytes.clone());
                LocalFile {
                    id: *id,
                    name: (*name).into(),
                    size: bytes.len() as u64,
                    mime: "application/octet-stream".into(),
                }
            })
            .collect();
        self.input(who, FileInput::Offer(picked));
    }

    fn input(&mut self, who: usize, input: FileInput) {
        self.sides[who].inbox.push_back(input);
    }

    /// The person does something now, ahead of what is still arriving.
    fn click(&mut self, who: usize, input: FileInput) {
        self.sides[who].inbox.push_front(input);
    }

    /// File data waiting in `who`'s inbox: the other side's channel buffer.
    fn in_flight(&self, who: usize) -> u64 {
        self.sides[who]
            .inbox
            .iter()
            .map(|i| match i {
                FileInput::Binary(f) => f.len() as u64,
                _ => 0,
            })
            .sum()
    }

    /// Handles one queued input, the two sides in turn; `false` when both are idle.
    fn step(&mut self) -> bool {
        let first = (self.now.as_millis() / 10 % 2) as usize;
        let Some(who) = [first, 1 - first]
            .into_iter()
            .find(|&s| !self.sides[s].inbox.is_empty())
        else {
            return false;
        };
        let input = self.sides[who].inbox.pop_front().expect("not empty");
        self.now += Duration::from_millis(10);
        let effects = self.sides[who].m.handle(input, self.now);
        self.apply(who, effects);
        for s in 0..2 {
            if self.sides[s].wants_drain && self.in_flight(1 - s) <= u64::from(LOW_WATER) {
                self.sides[s].wants_drain = false;
                self.sides[s].inbox.push_back(FileInput::Drained);
            }
        }
        true
    }

    fn apply(&mut self, who: usize, effects: Vec<FileEffect>) {
        let other = 1 - who;
        for effect in effects {
            let side = &mut self.sides[who];
            match effect {
                FileEffect::SendText(text) => {
                    self.sides[who]
                        .sent
                        .push(Control::decode(&text).expect("valid control"));
                    if self.open {
                        self.sides[other].inbox.push_back(FileInput::Text(text));
                    }
                }
                FileEffect::SendFrames(frames) => {
                    for frame in frames {
                        self.sides[who].sent_bytes += (frame.len() - wire::HEADER) as u64;
                        if self.open {
                            self.sides[other].inbox.push_back(FileInput::Binary(frame));
                        }
                    }
                    let buffered = self.in_flight(other);
                    self.sides[who].wants_drain = buffered > HIGH_WATER;
                    self.sides[who]
                        .inbox
                        .push_back(FileInput::Sent { buffered });
                }
                FileEffect::Read { id, offset, len } => {
                    let file = &side.files[&id];
                    let (from, to) = (offset as usize, (offset + len) as usize);
                    let bytes = file[from..to.min(file.len())].to_vec();
                    side.inbox.push_back(FileInput::Read {
                        id,
                        offset,
                        result: Ok(bytes),
                    });
                }
                FileEffect::Forget(id) => drop(side.files.remove(&id)),
                FileEffect::Prepare { id, name, .. } => {
                    side.kept.insert(id, Vec::new());
                    side.names.insert(id, name);
                    side.inbox
                        .push_back(FileInput::Prepared { id, result: Ok(()) });
                }
                FileEffect::Write { id, bytes } => {
                    side.kept.get_mut(&id).expect("prepared").extend(bytes);
                }
                FileEffect::Finish(id) => {
                    let bytes = side.kept.remove(&id).expect("prepared");
                    side.saved.insert(side.names[&id].clone(), bytes);
                    side.inbox.push_back(FileInput::Stored {
                        id,
                        result: Ok(Some(format!("blob:{id}"))),
                    });
                }
                FileEffect::Discard(id) => drop(side.kept.remove(&id)),
            }
        }
    }

    fn run(&mut self) {
        let mut steps = 0;
        while self.step() {
            steps += 1;
            assert!(steps < 1_000_000, "never settles");
        }
    }

    /// Steps until `done` holds (or fails if it never does).
    fn run_until(&mut self, done: impl Fn(&Pair) -> bool) {
        while !done(self) {
            assert!(self.step(), "settled before the condition held");
        }
    }

    /// The channel closes: what was in flight is lost; each side hears of it.
    fn drop_channel(&mut self) {
        self.open = false;
        for side in &mut self.sides {
            side.inbox
                .retain(|i| !matches!(i, FileInput::Text(_) | FileInput::Binary(_)));
            side.inbox.push_back(FileInput::Closed);
        }
        self.run();
    }

    fn reopen_channel(&mut self) {
        self.open = true;
        for side in &mut self.sides {
            side.inbox.push_back(FileInput::Open);
        }
    }
}

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn moving(state: &TransferState) -> Option<u64> {
    match state {
        TransferState::Moving { done, .. } => Some(*done),
        _ => None,
    }
}

#[test]
fn several_files_queue_and_each_arrives_whole_and_verified() {
    let mut p = Pair::new();
    let big = data(3 * SLICE as usize + 12_345, 1);
    let small = data(10, 2);
    p.offer(
        ADA,
        &[
            (1, "big.bin", big.clone()),
            (2, "empty.txt", Vec::new()),
            (3, "small", small.clone()),
        ],
    );
    p.run();
    for id in 1..=3 {
        assert_eq!(p.sides[BOB].state(false, id), TransferState::Asking);
        assert_eq!(p.sides[ADA].state(true, id), TransferState::Offered);
    }
    // Accepted out of order: they go in the order accepted, one at a time.
    for id in [3, 1, 2] {
        p.input(BOB, FileInput::Accept(id));
    }
    p.run();
    for (id, name, bytes) in [
        (1, "big.bin", &big),
        (2, "empty.txt", &Vec::new()),
        (3, "small", &small),
    ] {
        assert_eq!(p.sides[ADA].state(true, id), TransferState::Sent, "{name}");
        assert_eq!(
            p.sides[BOB].state(false, id),
            TransferState::Ready(Some(format!("blob:{id}")))
        );
        assert_eq!(&p.sides[BOB].saved[name], bytes, "{name}");
    }
    let dones: Vec<u32> = p.sides[ADA]
        .sent
        .iter()
        .filter_map(|c| match c {
            Control::Done { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(dones, [3, 1, 2]);
    assert!(p.sides[ADA].files.is_empty(), "every file let go");
    assert_eq!(
        p.sides[ADA].sent_bytes,
        big.len() as u64 + 10,
        "each byte sent once"
    );
}

#[test]
fn both_sides_see_progress_speed_and_time_left() {
    let mut p = Pair::new();
    let file = data(8 * SLICE as usize, 3);
    p.offer(ADA, &[(1, "f", file)]);
    p.run();
    p.input(BOB, FileInput::Accept(1));
    p.run_until(|p| moving(&p.sides[ADA].state(true, 1)).is_some_and(|d| d >= 4 * ACK_EVERY));
    for (side, outgoing) in [(ADA, true), (BOB, false)] {
        let TransferState::Moving {
            done,
            speed,
            left,
            paused,
        } = p.sides[side].state(outgoing, 1)
        else {
            panic!("moving");
        };
        assert!((4 * ACK_EVERY..8 * SLICE).contains(&done), "{done}");
        let speed = speed.expect("a speed");
        assert!(speed > 0);
        let left = left.expect("time left");
        let expected = (8 * SLICE - done) * 1000 / speed;
        assert_eq!(left, Duration::from_millis(expected));
        assert!(!paused);
    }
    p.run();
    assert_eq!(p.sides[ADA].state(true, 1), TransferState::Sent);
}

#[test]
fn a_decline_and_cancels_from_either_side() {
    let mut p = Pair::new();
    let file = data(16 * SLICE as usize, 4);
    p.offer(
        ADA,
        &[
            (1, "no", data(5, 0)),
            (2, "a", file.clone()),
            (3, "b", file.clone()),
        ],
    );
    p.offer(BOB, &[(1, "from bob", file.clone())]);
    p.run();
    p.input(BOB, FileInput::Decline(1));
    p.run();
    assert_eq!(p.sides[ADA].state(true, 1), TransferState::Declined(None));
    assert_eq!(p.sides[BOB].state(false, 1), TransferState::Declined(None));
    assert!(!p.sides[ADA].files.contains_key(&1));

    // The receiver cancels midway.
    p.input(BOB, FileInput::Accept(2));
    p.run_until(|p| moving(&p.sides[BOB].state(false, 2)).is_some_and(|d| d >= ACK_EVERY));
    p.click(BOB, FileInput::Cancel(false, 2));
    p.run();
    assert_eq!(p.sides[BOB].state(false, 2), TransferState::Cancelled(true));
    assert_eq!(p.sides[ADA].state(true, 2), TransferState::Cancelled(false));
    assert!(!p.sides[BOB].kept.contains_key(&2), "nothing kept");
    assert!(p.sides[BOB].saved.is_empty());

    // The sender cancels midway; Bob's own offer to Ada is unaffected.
    p.input(BOB, FileInput::Accept(3));
    p.run_until(|p| moving(&p.sides[BOB].state(false, 3)).is_some_and(|d| d >= ACK_EVERY));
    p.click(ADA, FileInput::Cancel(true, 3));
    p.run();
    assert_eq!(p.sides[ADA].state(true, 3), TransferState::Cancelled(true));
    assert_eq!(
        p.sides[BOB].state(false, 3),
        TransferState::Cancelled(false)
    );
    assert!(p.sides[ADA].files.is_empty());

    // A file still being offered can be withdrawn, and one waiting an answer refused.
    p.input(BOB, FileInput::Cancel(true, 1));
    p.run();
    assert_eq!(
        p.sides[ADA].state(false, 1),
        TransferState::Cancelled(false)
    );
}

#[test]
fn an_interrupted_transfer_resumes_from_the_last_confirmed_byte() {
    let mut p = Pair::new();
    let file = data(6 * SLICE as usize + 77, 5);
    p.offer(ADA, &[(1, "movie.webm", file.clone())]);
    p.run();
    p.input(BOB, FileInput::Accept(1));
    p.run_until(|p| {
        p.sides[BOB]
            .kept
            .get(&1)
            .is_some_and(|k| k.len() as u64 >= 2 * SLICE + 5)
    });
    let kept = p.sides[BOB].kept[&1].len() as u64;
    p.drop_channel();
    assert!(matches!(
        p.sides[ADA].state(true, 1),
        TransferState::Moving { paused: true, .. }
    ));
    let sent_before = p.sides[ADA].sent_bytes;
    p.reopen_channel();
    p.run();
    assert_eq!(p.sides[BOB].saved["movie.webm"], file);
    assert_eq!(p.sides[ADA].state(true, 1), TransferState::Sent);
    // Bob asked to go on from what he had kept, and only the rest was sent again.
    assert!(
        p.sides[BOB]
            .sent
            .contains(&Control::Accept { id: 1, from: kept })
    );
    assert_eq!(
        p.sides[ADA].sent_bytes - sent_before,
        file.len() as u64 - kept
    );
}

#[test]
fn offers_not_yet_seen_are_made_again_on_a_new_channel() {
    let mut p = Pair::new();
    p.open = false;
    p.offer(ADA, &[(1, "late", data(3, 0))]);
    p.run();
    p.drop_channel();
    p.reopen_channel();
    p.run();
    assert_eq!(p.sides[BOB].state(false, 1), TransferState::Asking);
    // Twice over the same channel changes nothing.
    p.reopen_channel();
    p.run();
    assert_eq!(p.sides[BOB].m.view().len(), 1);
}

#[test]
fn the_other_person_leaving_fails_what_is_unfinished_saying_so() {
    let mut p = Pair::new();
    p.offer(
        ADA,
        &[
            (1, "done", data(4, 0)),
            (2, "half", data(4 * SLICE as usize, 0)),
            (3, "asked", data(4, 0)),
        ],
    );
    p.run();
    p.input(BOB, FileInput::Accept(1));
    p.run();
    p.input(BOB, FileInput::Accept(2));
    p.run_until(|p| moving(&p.sides[BOB].state(false, 2)).is_some_and(|d| d >= ACK_EVERY));
    let effects = p.sides[BOB].m.peer_left("Ada");
    assert!(effects.contains(&FileEffect::Discard(2)));
    assert_eq!(
        p.sides[BOB].state(false, 1),
        TransferState::Ready(Some("blob:1".into()))
    );
    for id in [2, 3] {
        assert_eq!(
            p.sides[BOB].state(false, id),
            TransferState::Failed("Ada left the call".into())
        );
    }
    let effects = p.sides[ADA].m.peer_left("Bob");
    assert!(effects.contains(&FileEffect::Forget(2)) && effects.contains(&FileEffect::Forget(3)));
    assert_eq!(
        p.sides[ADA].state(true, 2),
        TransferState::Failed("Bob left the call".into())
    );
    // A newcomer's ids start over without touching the old transfers.
    p.sides[BOB].inbox.clear();
    p.offer(ADA, &[(1, "new", data(2, 0))]);
    p.run();
    let view = p.sides[BOB].m.view();
    assert_eq!(view.iter().filter(|t| t.id == 1).count(), 2);
    assert_eq!(
        view.last().map(|t| t.state.clone()),
        Some(TransferState::Asking)
    );
}

#[test]
fn too_big_to_keep_is_refused_up_front_and_names_are_made_safe() {
    let mut p = Pair::new();
    p.sides[BOB].m = FileMachine::new(
        1000,
        "Files over 1 KB need a browser that saves to disk".into(),
    );
    p.sides[BOB].inbox.push_back(FileInput::Open);
    p.run();
    p.offer(
        ADA,
        &[
            (1, "../../etc/passwd\u{0}", data(1001, 0)),
            (2, "ok\u{202E}txt.exe", data(1000, 0)),
        ],
    );
    p.run();
    let reason = Some("Files over 1 KB need a browser that saves to disk".to_owned());
    assert_eq!(
        p.sides[BOB].state(false, 1),
        TransferState::Declined(reason.clone())
    );
    assert_eq!(p.sides[ADA].state(true, 1), TransferState::Declined(reason));
    let names: Vec<String> = p.sides[BOB].m.view().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["_.._etc_passwd", "oktxt.exe"]);
    p.input(BOB, FileInput::Accept(2));
    p.run();
    assert_eq!(p.sides[BOB].saved["oktxt.exe"], data(1000, 0));
}

/// Bob accepts Ada's `size`-byte file 1; then the test speaks for Ada's side.
fn accepted(size: u64) -> Pair {
    let mut p = Pair::new();
    let offer = Control::Offer {
        id: 1,
        name: "x".into(),
        size,
        mime: "text/plain".into(),
    };
    p.input(BOB, FileInput::Text(offer.encode()));
    p.input(BOB, FileInput::Accept(1));
    p.sides[ADA].inbox.clear();
    // Only Bob's side runs; what he sends is recorded in `sent`.
    p.open = false;
    p.run();
    p.sides[ADA].inbox.clear();
    assert!(
        p.sides[BOB]
            .sent
            .contains(&Control::Accept { id: 1, from: 0 })
    );
    p
}

fn failure(p: &Pair) -> String {
    let TransferState::Failed(reason) = p.sides[BOB].state(false, 1) else {
        panic!("failed, not {:?}", p.sides[BOB].state(false, 1));
    };
    let told = p.sides[BOB].sent.iter().any(|c| {
        matches!(c, Control::Cancel { id: 1, by_sender: false, reason: Some(r) } if *r == reason)
    });
    assert!(told, "the sender is told why");
    assert!(
        p.sides[BOB].saved.is_empty() && p.sides[BOB].kept.is_empty(),
        "nothing kept"
    );
    reason
}

#[test]
fn a_sender_that_breaks_the_rules_fails_the_transfer_with_a_reason() {
    // Out of order.
    let mut p = accepted(100);
    p.input(BOB, FileInput::Binary(wire::frame(1, 0, &[1; 10])));
    p.input(BOB, FileInput::Binary(wire::frame(1, 20, &[1; 10])));
    p.run();
    assert_eq!(
        failure(&p),
        "the sender's data arrived out of order (byte 20, expected 10)"
    );

    // More than announced.
    let mut p = accepted(100);
    p.input(BOB, FileInput::Binary(wire::frame(1, 0, &[1; 90])));
    p.input(BOB, FileInput::Binary(wire::frame(1, 90, &[1; 11])));
    p.run();
    assert_eq!(
        failure(&p),
        "the sender sent more than the 100 bytes it announced"
    );

    // Done before the end.
    let mut p = accepted(100);
    p.input(BOB, FileInput::Binary(wire::frame(1, 0, &[1; 50])));
    p.input(
        BOB,
        FileInput::Text(
            Control::Done {
                id: 1,
                sha256: "00".into(),
            }
            .encode(),
        ),
    );
    p.run();
    assert_eq!(
        failure(&p),
        "the sender stopped after 50 of the 100 bytes it announced"
    );

    // Garbage is ignored, and a frame for a transfer never accepted is dropped.
    let mut p = accepted(100);
    p.input(BOB, FileInput::Text("{\"type\":\"nonsense\"}".into()));
    p.input(BOB, FileInput::Binary(vec![1, 2, 3]));
    p.input(BOB, FileInput::Binary(wire::frame(9, 0, &[1; 10])));
    p.run();
    assert_eq!(
        p.sides[BOB].state(false, 1),
        TransferState::Moving {
            done: 0,
            speed: None,
            left: None,
            paused: false
        }
    );
}

#[test]
fn a_hash_mismatch_is_reported_and_never_offered_for_saving() {
    let mut p = accepted(5);
    p.input(BOB, FileInput::Binary(wire::frame(1, 0, b"hello")));
    let wrong = hex::encode(Sha256::digest(b"hellO"));
    p.input(
        BOB,
        FileInput::Text(
            Control::Done {
                id: 1,
                sha256: wrong,
            }
            .encode(),
        ),
    );
    p.run();
    assert_eq!(
        failure(&p),
        "the file arrived damaged (its SHA-256 does not match), so it was not saved"
    );

    let mut p = accepted(5);
    p.input(BOB, FileInput::Binary(wire::frame(1, 0, b"hello")));
    let right = hex::encode(Sha256::digest(b"hello")).to_uppercase();
    p.input(
        BOB,
        FileInput::Text(
            Control::Done {
                id: 1,
                sha256: right,
            }
            .encode(),
        ),
    );
    p.run();
    assert_eq!(p.sides[BOB].saved["x"], b"hello");
}

#[test]
fn a_file_that_cannot_be_read_or_changed_fails_on_both_sides() {
    let mut p = Pair::new();
    p.offer(ADA, &[(1, "gone", data(2 * SLICE as usize, 0))]);
    p.run();
    // The file shrank on disk after it was picked.
    p.sides[ADA].files.insert(1, data(SLICE as usize + 3, 0));
    p.input(BOB, FileInput::Accept(1));
    p.run();
    let reason = "the file changed while it was being sent".to_owned();
    assert_eq!(
        p.sides[ADA].state(true, 1),
        TransferState::Failed(reason.clone())
    );
    assert_eq!(p.sides[BOB].state(false, 1), TransferState::Failed(reason));
    assert!(p.sides[BOB].saved.is_empty() && p.sides[BOB].kept.is_empty());
}
