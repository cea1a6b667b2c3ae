//! The receiving side: offers shown to the person, refusing what cannot be kept,
//! checking every frame's place and the announced size, confirming progress, and
//! the SHA-256 before a file is offered for saving.

use super::{FileEffect, FileMachine, Transfer, TransferState, hex_of, parse};
use crate::files::ACK_EVERY;
use crate::files::name::sanitise;
use crate::files::progress::Progress;
use crate::files::wire::{Control, HEADER};
use sha2::{Digest, Sha256};

impl FileMachine {
    pub(super) fn on_offer(&mut self, id: u32, name: &str, size: u64, mime: String) {
        // The same offer again, after the channel reopened.
        if self.find(false, id).is_some() {
            return;
        }
        let too_big = size > self.max_size;
        let reason = too_big.then(|| self.too_big.clone());
        self.transfers.push(Transfer {
            id,
            outgoing: false,
            live: true,
            name: sanitise(name),
            size,
            mime: mime.chars().filter(|c| !c.is_control()).take(100).collect(),
            state: match &reason {
                Some(reason) => TransferState::Declined(Some(reason.clone())),
                None => TransferState::Asking,
            },
            next: 0,
            acked: 0,
            hashed: 0,
            hasher: Sha256::new(),
            paused: false,
            progress: Progress::default(),
        });
        if let Some(reason) = reason {
            self.send(&Control::Decline {
                id,
                reason: Some(reason),
            });
        }
    }

    pub(super) fn accept(&mut self, id: u32) {
        let Some(t) = self
            .find(false, id)
            .filter(|t| t.state == TransferState::Asking)
        else {
            return;
        };
        t.state = TransferState::Queued;
        let effect = FileEffect::Prepare {
            id,
            name: t.name.clone(),
            size: t.size,
            mime: t.mime.clone(),
        };
        self.out.push(effect);
    }

    pub(super) fn on_prepared(&mut self, id: u32, result: Result<(), String>) {
        let now = self.now;
        let Some(t) = self
            .find(false, id)
            .filter(|t| t.state == TransferState::Queued)
        else {
            // Cancelled meanwhile: let the place go.
            if result.is_ok() {
                self.out.push(FileEffect::Discard(id));
            }
            return;
        };
        match result {
            Ok(()) => {
                t.state = TransferState::Moving {
                    done: 0,
                    speed: None,
                    left: None,
                    paused: false,
                };
                t.progress.record(now, 0);
                self.send(&Control::Accept { id, from: 0 });
            }
            // No place chosen (the save dialog was closed): ask again.
            Err(_) => t.state = TransferState::Asking,
        }
    }

    pub(super) fn decline(&mut self, id: u32) {
        if let Some(t) = self
            .find(false, id)
            .filter(|t| t.state == TransferState::Asking)
        {
            t.state = TransferState::Declined(None);
            self.send(&Control::Decline { id, reason: None });
        }
    }

    pub(super) fn cancel_incoming(&mut self, id: u32) {
        if let Some(t) = self.find(false, id).filter(|t| !t.state.is_over()) {
            let prepared = t.state != TransferState::Asking;
            t.state = TransferState::Cancelled(true);
            self.send(&Control::Cancel {
                id,
                by_sender: false,
                reason: None,
            });
            if prepared {
                self.out.push(FileEffect::Discard(id));
            }
        }
    }

    /// The sender cancelled, or failed (`reason`).
    pub(super) fn on_sender_cancel(&mut self, id: u32, reason: Option<String>) {
        if let Some(t) = self.find(false, id).filter(|t| !t.state.is_over()) {
            let prepared = t.state != TransferState::Asking;
            t.state = match reason {
                Some(reason) => TransferState::Failed(reason),
                None => TransferState::Cancelled(false),
            };
            if prepared {
                self.out.push(FileEffect::Discard(id));
            }
        }
    }

    pub(super) fn on_frame(&mut self, mut frame: Vec<u8>) {
        let Some((id, offset, data)) = parse(&frame) else {
            return leptos::logging::warn!("file channel: a frame too short to read");
        };
        let len = data.len() as u64;
        let now = self.now;
        let Some(t) = self.find(false, id) else {
            return;
        };
        // Frames still in flight after a cancel or a failure are dropped quietly.
        if !matches!(t.state, TransferState::Moving { .. }) {
            return;
        }
        let problem = if offset != t.next {
            Some(format!(
                "the sender's data arrived out of order (byte {offset}, expected {})",
                t.next
            ))
        } else if t.next + len > t.size {
            Some(format!(
                "the sender sent more than the {} bytes it announced",
                t.size
            ))
        } else {
            None
        };
        if let Some(reason) = problem {
            return self.fail_incoming(id, reason);
        }
        t.hasher.update(&frame[HEADER..]);
        t.next += len;
        let ack = t.next - t.acked >= ACK_EVERY || t.next == t.size;
        let received = t.next;
        if ack {
            t.acked = received;
            t.progress.record(now, received);
        }
        // The frame's own buffer, without its header: no second copy of the data.
        frame.drain(..HEADER);
        self.out.push(FileEffect::Write { id, bytes: frame });
        if ack {
            self.send(&Control::Ack { id, received });
        }
    }

    pub(super) fn on_done(&mut self, id: u32, sha256: &str) {
        let Some(t) = self
            .find(false, id)
            .filter(|t| matches!(t.state, TransferState::Moving { .. }))
        else {
            return;
        };
        if t.next != t.size {
            let reason = format!(
                "the sender stopped after {} of the {} bytes it announced",
                t.next, t.size
            );
            return self.fail_incoming(id, reason);
        }
        if !hex_of(&t.hasher).eq_ignore_ascii_case(sha256) {
            let reason =
                "the file arrived damaged (its SHA-256 does not match), so it was not saved"
                    .to_owned();
            return self.fail_incoming(id, reason);
        }
        t.state = TransferState::Ready(None);
        self.out.push(FileEffect::Finish(id));
        self.send(&Control::Verified { id });
    }

    pub(super) fn on_stored(&mut self, id: u32, result: Result<Option<String>, String>) {
        if let Some(t) = self
            .find(false, id)
            .filter(|t| t.state == TransferState::Ready(None))
        {
            t.state = match result {
                Ok(link) => TransferState::Ready(link),
                Err(e) => TransferState::Failed(format!("the file could not be kept: {e}")),
            };
        }
    }

    /// Fails an incoming transfer for `reason`, tells the sender, drops what was kept.
    fn fail_incoming(&mut self, id: u32, reason: String) {
        if let Some(t) = self.find(false, id) {
            t.state = TransferState::Failed(reason.clone());
        }
        self.out.push(FileEffect::Discard(id));
        self.send(&Control::Cancel {
            id,
            by_sender: false,
            reason: Some(reason),
        });
    }
}
