//! The sending side: offers, the queue of accepted files, reading slices as the
//! channel drains, the hash, and resuming where the receiver says.

use super::{FileEffect, FileMachine, LocalFile, Transfer, TransferState, hex_of, offer_of};
use crate::files::progress::Progress;
use crate::files::wire::{self, Control};
use crate::files::{CHUNK, SLICE};
use sha2::{Digest, Sha256};

impl FileMachine {
    pub(super) fn offer(&mut self, files: Vec<LocalFile>) {
        for file in files {
            if self.find(true, file.id).is_some() {
                continue;
            }
            let t = Transfer {
                id: file.id,
                outgoing: true,
                live: true,
                name: file.name,
                size: file.size,
                mime: file.mime,
                state: TransferState::Offered,
                next: 0,
                acked: 0,
                hashed: 0,
                hasher: Sha256::new(),
                paused: false,
                progress: Progress::default(),
            };
            let msg = offer_of(&t);
            self.transfers.push(t);
            self.send(&msg);
        }
    }

    pub(super) fn on_accept(&mut self, id: u32, from: u64) {
        let now = self.now;
        let Some(t) = self.find(true, id) else {
            // Not ours (any more): say so, so the other side stops waiting.
            return self.send(&Control::Cancel {
                id,
                by_sender: true,
                reason: Some("this file is no longer offered".into()),
            });
        };
        let resumable = matches!(
            t.state,
            TransferState::Offered | TransferState::Moving { .. } | TransferState::Checking
        );
        // Never further than what was read, nor before what was confirmed as kept.
        if !resumable || from > t.next.min(t.size) || from < t.acked.min(t.next) {
            return;
        }
        let first = t.state == TransferState::Offered;
        t.next = from;
        t.acked = from;
        t.paused = false;
        t.progress.record(now, from);
        t.state = TransferState::Moving {
            done: from,
            speed: None,
            left: None,
            paused: false,
        };
        if first || !self.queue.contains(&id) {
            self.queue.push_back(id);
        }
        if self.reading.is_some_and(|(r, _)| r == id) {
            // The slice being read is from before the resume: ignore it.
            self.reading = None;
        }
        self.pump();
    }

    pub(super) fn on_decline(&mut self, id: u32, reason: Option<String>) {
        if let Some(t) = self
            .find(true, id)
            .filter(|t| t.state == TransferState::Offered)
        {
            t.state = TransferState::Declined(reason);
            self.out.push(FileEffect::Forget(id));
        }
    }

    pub(super) fn on_ack(&mut self, id: u32, received: u64) {
        let now = self.now;
        if let Some(t) = self.find(true, id)
            && received >= t.acked
            && received <= t.next
        {
            t.acked = received;
            t.progress.record(now, received);
        }
    }

    pub(super) fn on_verified(&mut self, id: u32) {
        if let Some(t) = self.find(true, id)
            && t.state == TransferState::Checking
            && t.acked == t.size
        {
            t.state = TransferState::Sent;
            self.out.push(FileEffect::Forget(id));
        }
    }

    /// The receiver cancelled, or its checks failed (`reason`).
    pub(super) fn on_receiver_cancel(&mut self, id: u32, reason: Option<String>) {
        if let Some(t) = self.find(true, id).filter(|t| !t.state.is_over()) {
            t.state = match reason {
                Some(reason) => TransferState::Failed(reason),
                None => TransferState::Cancelled(false),
            };
            self.stop_sending(id);
        }
    }

    pub(super) fn cancel_outgoing(&mut self, id: u32) {
        if let Some(t) = self.find(true, id).filter(|t| !t.state.is_over()) {
            t.state = TransferState::Cancelled(true);
            self.send(&Control::Cancel {
                id,
                by_sender: true,
                reason: None,
            });
            self.stop_sending(id);
        }
    }

    fn stop_sending(&mut self, id: u32) {
        self.queue.retain(|&q| q != id);
        if self.reading.is_some_and(|(r, _)| r == id) {
            self.reading = None;
        }
        self.out.push(FileEffect::Forget(id));
        self.pump();
    }

    /// Reads the next slice of the file whose turn it is, when the channel can take it.
    pub(super) fn pump(&mut self) {
        while self.open && !self.congested && self.reading.is_none() {
            let Some(&id) = self.queue.front() else {
                return;
            };
            let Some(t) = self.find(true, id) else {
                self.queue.pop_front();
                continue;
            };
            if t.paused {
                return;
            }
            if t.next < t.size {
                let len = SLICE.min(t.size - t.next);
                let offset = t.next;
                self.reading = Some((id, offset));
                self.out.push(FileEffect::Read { id, offset, len });
                return;
            }
            // Everything sent: the hash goes last, then the next file's turn.
            t.state = TransferState::Checking;
            let sha256 = hex_of(&t.hasher);
            self.queue.pop_front();
            self.send(&Control::Done { id, sha256 });
        }
    }

    pub(super) fn on_read(&mut self, id: u32, offset: u64, result: Result<Vec<u8>, String>) {
        if self.reading != Some((id, offset)) {
            return;
        }
        self.reading = None;
        let open = self.open;
        let Some(t) = self.find(true, id) else { return };
        if t.paused || t.next != offset || !open {
            return self.pump();
        }
        let expected = SLICE.min(t.size - offset);
        let bytes = match result {
            Ok(bytes) if bytes.len() as u64 == expected => bytes,
            Ok(_) => return self.fail_outgoing(id, "the file changed while it was being sent"),
            Err(e) => return self.fail_outgoing(id, &format!("the file could not be read: {e}")),
        };
        // Bytes already hashed (sent before a resume) are the same bytes: skip them.
        let end = offset + expected;
        if end > t.hashed {
            let skip = usize::try_from(t.hashed.saturating_sub(offset)).unwrap_or(usize::MAX);
            t.hasher.update(&bytes[skip.min(bytes.len())..]);
            t.hashed = end;
        }
        t.next = end;
        let frames = bytes
            .chunks(CHUNK)
            .scan(offset, |at, chunk| {
                let frame = wire::frame(id, *at, chunk);
                *at += chunk.len() as u64;
                Some(frame)
            })
            .collect();
        self.out.push(FileEffect::SendFrames(frames));
        // The next read waits for `Sent`, which says how full the channel is.
    }

    fn fail_outgoing(&mut self, id: u32, reason: &str) {
        if let Some(t) = self.find(true, id) {
            t.state = TransferState::Failed(reason.to_owned());
        }
        self.send(&Control::Cancel {
            id,
            by_sender: true,
            reason: Some(reason.to_owned()),
        });
        self.stop_sending(id);
    }
}
