//! File transfers as a sans-IO state machine: [`FileMachine::handle`] takes one
//! [`FileInput`] and the time and returns the [`FileEffect`]s the driver carries
//! out. Each side offers its files; the other accepts or declines each. Accepted
//! files are sent one after another, in the order they were accepted; the receiver
//! confirms what it has kept every [`ACK_EVERY`](super::ACK_EVERY) bytes, checks
//! every frame's place and the announced size, and compares the whole file's
//! SHA-256 before the file can be saved. A channel that closes mid-transfer pauses
//! it; the next channel resumes it from the last byte the receiver kept.

mod receive;
mod send;

use super::progress::Progress;
use super::wire::{self, Control};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// A file picked to send, as the driver holds it (`id` is its handle there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// The driver's handle, used as the transfer's id.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type.
    pub mime: String,
}

/// What happens to file transfers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileInput {
    /// The file channel opened.
    Open,
    /// The file channel closed.
    Closed,
    /// A control message arrived.
    Text(String),
    /// A binary frame arrived.
    Binary(Vec<u8>),
    /// Frames were handed to the channel, which now holds `buffered` bytes unsent.
    Sent {
        /// `bufferedAmount` after the send.
        buffered: u64,
    },
    /// The channel's unsent bytes fell to the low-water mark.
    Drained,
    /// The person picked files to send.
    Offer(Vec<LocalFile>),
    /// The person accepts an incoming file.
    Accept(u32),
    /// The person declines an incoming file.
    Decline(u32),
    /// The person cancels a transfer (`true`: one they send).
    Cancel(bool, u32),
    /// A slice of an outgoing file was read (or why not).
    Read {
        /// The transfer.
        id: u32,
        /// Where the slice starts.
        offset: u64,
        /// Its bytes.
        result: Result<Vec<u8>, String>,
    },
    /// The place to keep an incoming file is ready (or why not).
    Prepared {
        /// The transfer.
        id: u32,
        /// Whether it is.
        result: Result<(), String>,
    },
    /// A verified incoming file was stored: a link to save it (or why not).
    Stored {
        /// The transfer.
        id: u32,
        /// The link (`None` when it went straight to a file on disk).
        result: Result<Option<String>, String>,
    },
}

/// What the driver must do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileEffect {
    /// Send a control message.
    SendText(String),
    /// Send these binary frames, then report [`FileInput::Sent`].
    SendFrames(Vec<Vec<u8>>),
    /// Read `len` bytes of outgoing file `id` from `offset`.
    Read {
        /// The transfer.
        id: u32,
        /// The first byte.
        offset: u64,
        /// How many bytes.
        len: u64,
    },
    /// The outgoing file `id` will not be read again: let it go.
    Forget(u32),
    /// Make a place for incoming file `id`, then report [`FileInput::Prepared`].
    Prepare {
        /// The transfer.
        id: u32,
        /// Its sanitised name.
        name: String,
        /// Its size.
        size: u64,
        /// Its media type.
        mime: String,
    },
    /// Append `bytes` to incoming file `id`.
    Write {
        /// The transfer.
        id: u32,
        /// The next bytes, in order.
        bytes: Vec<u8>,
    },
    /// Incoming file `id` is complete and verified: close it, then report [`FileInput::Stored`].
    Finish(u32),
    /// Throw away what was kept of incoming file `id`.
    Discard(u32),
}

/// Where one transfer is, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferState {
    /// Ours, offered: waiting for the other person's answer.
    Offered,
    /// Theirs, offered: accept or decline.
    Asking,
    /// Accepted; waiting its turn (or for a place to keep it).
    Queued,
    /// Bytes are moving.
    Moving {
        /// Bytes the receiver has confirmed.
        done: u64,
        /// Bytes per second lately.
        speed: Option<u64>,
        /// Time left at that speed.
        left: Option<Duration>,
        /// Held up: the connection is interrupted.
        paused: bool,
    },
    /// Ours: all sent; waiting for the receiver's check.
    Checking,
    /// Ours: the receiver got it whole.
    Sent,
    /// Theirs: verified, ready to save (`None` while the link is made, or when it
    /// went straight to disk).
    Ready(Option<String>),
    /// Declined (`Some` when the page refused it by itself, saying why).
    Declined(Option<String>),
    /// Cancelled by a person (`true`: by this one).
    Cancelled(bool),
    /// Failed, and why.
    Failed(String),
}

impl TransferState {
    /// Nothing more will happen to it.
    pub fn is_over(&self) -> bool {
        matches!(
            self,
            TransferState::Sent
                | TransferState::Ready(_)
                | TransferState::Declined(_)
                | TransferState::Cancelled(_)
                | TransferState::Failed(_)
        )
    }
}

/// One transfer, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferView {
    /// The sender's number for it.
    pub id: u32,
    /// `true` for a file we send.
    pub outgoing: bool,
    /// Its (sanitised) name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type.
    pub mime: String,
    /// Where it is.
    pub state: TransferState,
}

/// One transfer inside the machine.
#[derive(Debug, Clone)]
struct Transfer {
    id: u32,
    outgoing: bool,
    /// Still addressable by its id (the other person has not left since).
    live: bool,
    name: String,
    size: u64,
    mime: String,
    state: TransferState,
    /// Sender: the next byte to read. Receiver: bytes kept.
    next: u64,
    /// Bytes the receiver has confirmed.
    acked: u64,
    /// Sender: bytes fed to the hash so far (a resume re-sends, never re-hashes).
    hashed: u64,
    hasher: Sha256,
    /// Sender: the channel closed; wait for the receiver to say where to go on.
    paused: bool,
    progress: Progress,
}

/// Every file transfer of one call, both ways.
#[derive(Debug)]
pub struct FileMachine {
    /// The largest file this side can receive.
    max_size: u64,
    /// Why larger ones are refused.
    too_big: String,
    now: Duration,
    out: Vec<FileEffect>,
    open: bool,
    /// The connection carries data (ICE may be restarting while the channel stays).
    link_up: bool,
    transfers: Vec<Transfer>,
    /// Sender: accepted ids in the order they go.
    queue: std::collections::VecDeque<u32>,
    /// Sender: the slice being read.
    reading: Option<(u32, u64)>,
    /// Sender: the channel holds too much unsent; wait for [`FileInput::Drained`].
    congested: bool,
}

impl FileMachine {
    /// A machine receiving files of up to `max_size` bytes; `too_big` says why
    /// larger ones are refused.
    pub fn new(max_size: u64, too_big: String) -> FileMachine {
        FileMachine {
            max_size,
            too_big,
            now: Duration::ZERO,
            out: Vec::new(),
            open: false,
            link_up: true,
            transfers: Vec::new(),
            queue: std::collections::VecDeque::new(),
            reading: None,
            congested: false,
        }
    }

    /// Handles `input` at `now`.
    pub fn handle(&mut self, input: FileInput, now: Duration) -> Vec<FileEffect> {
        self.now = now;
        match input {
            FileInput::Open => self.on_open(),
            FileInput::Closed => self.on_closed(),
            FileInput::Text(text) => match Control::decode(&text) {
                Ok(msg) => self.on_control(msg),
                Err(e) => leptos::logging::warn!("file channel: {e}"),
            },
            FileInput::Binary(frame) => self.on_frame(frame),
            FileInput::Sent { buffered } => {
                self.congested = buffered > super::HIGH_WATER;
                self.pump();
            }
            FileInput::Drained => {
                self.congested = false;
                self.pump();
            }
            FileInput::Offer(files) => self.offer(files),
            FileInput::Accept(id) => self.accept(id),
            FileInput::Decline(id) => self.decline(id),
            FileInput::Cancel(true, id) => self.cancel_outgoing(id),
            FileInput::Cancel(false, id) => self.cancel_incoming(id),
            FileInput::Read { id, offset, result } => self.on_read(id, offset, result),
            FileInput::Prepared { id, result } => self.on_prepared(id, result),
            FileInput::Stored { id, result } => self.on_stored(id, result),
        }
        std::mem::take(&mut self.out)
    }

    /// Raises (or lowers) the largest file this side accepts.
    pub fn set_max_size(&mut self, max_size: u64) {
        self.max_size = max_size;
    }

    /// The connection went down (`false`) or came back: shown as paused meanwhile.
    pub fn set_link_up(&mut self, up: bool) {
        self.link_up = up;
    }

    /// The other person left: every unfinished transfer fails, saying so, and no
    /// id of theirs or ours refers to the old ones any more.
    pub fn peer_left(&mut self, who: &str) -> Vec<FileEffect> {
        let reason = format!("{who} left the call");
        for i in 0..self.transfers.len() {
            let t = &mut self.transfers[i];
            t.live = false;
            if !t.state.is_over() {
                t.state = TransferState::Failed(reason.clone());
                let id = t.id;
                self.out.push(if t.outgoing {
                    FileEffect::Forget(id)
                } else {
                    FileEffect::Discard(id)
                });
            }
        }
        self.queue.clear();
        self.reading = None;
        std::mem::take(&mut self.out)
    }

    /// Every transfer, oldest first, as the page shows it.
    pub fn view(&self) -> Vec<TransferView> {
        self.transfers
            .iter()
            .map(|t| TransferView {
                id: t.id,
                outgoing: t.outgoing,
                name: t.name.clone(),
                size: t.size,
                mime: t.mime.clone(),
                state: match t.state {
                    TransferState::Moving { .. } => TransferState::Moving {
                        done: t.acked,
                        speed: t.progress.speed(),
                        left: t.progress.left(t.size - t.acked),
                        paused: t.paused || !self.open || !self.link_up,
                    },
                    ref state => state.clone(),
                },
            })
            .collect()
    }

    fn on_open(&mut self) {
        self.open = true;
        self.congested = false;
        self.reading = None;
        // What the other side may have missed while no channel was open: our offers,
        // and where each file we receive goes on from.
        let mut msgs = Vec::new();
        for t in self.transfers.iter().filter(|t| t.live) {
            match (&t.state, t.outgoing) {
                (TransferState::Offered, true) => msgs.push(offer_of(t)),
                (TransferState::Moving { .. }, false) => msgs.push(Control::Accept {
                    id: t.id,
                    from: t.next,
                }),
                _ => {}
            }
        }
        for msg in msgs {
            self.send(&msg);
        }
    }

    fn on_closed(&mut self) {
        self.open = false;
        self.reading = None;
        for t in self.transfers.iter_mut().filter(|t| t.live && t.outgoing) {
            if matches!(
                t.state,
                TransferState::Moving { .. } | TransferState::Checking
            ) {
                t.paused = true;
                t.progress.reset();
            }
        }
    }

    fn on_control(&mut self, msg: Control) {
        match msg {
            Control::Offer {
                id,
                name,
                size,
                mime,
            } => self.on_offer(id, &name, size, mime),
            Control::Accept { id, from } => self.on_accept(id, from),
            Control::Decline { id, reason } => self.on_decline(id, reason),
            Control::Ack { id, received } => self.on_ack(id, received),
            Control::Done { id, sha256 } => self.on_done(id, &sha256),
            Control::Verified { id } => self.on_verified(id),
            Control::Cancel {
                id,
                by_sender: true,
                reason,
            } => self.on_sender_cancel(id, reason),
            Control::Cancel {
                id,
                by_sender: false,
                reason,
            } => self.on_receiver_cancel(id, reason),
        }
    }

    fn send(&mut self, msg: &Control) {
        if self.open {
            self.out.push(FileEffect::SendText(msg.encode()));
        }
    }

    /// The live transfer `id` going our way (`outgoing`), if any.
    fn find(&mut self, outgoing: bool, id: u32) -> Option<&mut Transfer> {
        self.transfers
            .iter_mut()
            .find(|t| t.live && t.outgoing == outgoing && t.id == id)
    }
}

fn offer_of(t: &Transfer) -> Control {
    Control::Offer {
        id: t.id,
        name: t.name.clone(),
        size: t.size,
        mime: t.mime.clone(),
    }
}

/// A finished hash as lower-case hex.
fn hex_of(hasher: &Sha256) -> String {
    hex::encode(hasher.clone().finalize())
}

/// `frame` split into its parts, for the receiving side.
fn parse(frame: &[u8]) -> Option<(u32, u64, &[u8])> {
    wire::parse_frame(frame)
}
