//! What the room page shows, as plain data: the call's phase, the connection in
//! words, chat lines, and the game seen from one player's seat. Pure, so it is
//! tested without a browser.

use crate::webrtc::media::MediaProblem;
use duet_shared::games::Symbol;
use duet_shared::games::tictactoe::{Board, Outcome};
use duet_shared::protocol::GameState;

/// Where the call is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Looking up the room.
    Loading,
    /// Waiting for the camera and microphone.
    Media,
    /// Some device could not be used; the person chooses how to go on.
    MediaChoice(MediaIssue),
    /// Connecting to the server and entering the room.
    Joining,
    /// In the room (alone or with the other person).
    InRoom,
    /// The call is over; why.
    Ended(End),
}

/// Why a call ended or could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Both places in the room are taken.
    Full,
    /// No such room, or it is private and the link was not used.
    NotFound,
    /// The same account joined the room from another window.
    Replaced,
    /// The session expired; sign in again.
    SignedOut,
    /// Something else, in words.
    Error(String),
}

impl End {
    /// A heading and an explanation for the person.
    pub fn text(&self) -> (&'static str, String) {
        match self {
            End::Full => (
                "This room is full",
                "Two people are already in this call. Try again later, or pick another room."
                    .into(),
            ),
            End::NotFound => (
                "Room not found",
                "This room does not exist, was deleted, or is private. Ask for its link.".into(),
            ),
            End::Replaced => (
                "You joined from another window",
                "This call continues in your other window or tab.".into(),
            ),
            End::SignedOut => ("Please sign in again", "Your session has expired.".into()),
            End::Error(message) => ("Something went wrong", message.clone()),
        }
    }

    /// A stable name for tests and styling (`data-end`).
    pub fn key(&self) -> &'static str {
        match self {
            End::Full => "full",
            End::NotFound => "not-found",
            End::Replaced => "replaced",
            End::SignedOut => "signed-out",
            End::Error(_) => "error",
        }
    }
}

/// Which devices failed when the call started, and what is still available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaIssue {
    /// Why the microphone is unavailable, if it is.
    pub mic: Option<MediaProblem>,
    /// Why the camera is unavailable, if it is.
    pub camera: Option<MediaProblem>,
}

impl MediaIssue {
    /// One sentence per failed device.
    pub fn sentences(&self) -> Vec<String> {
        let mut out = Vec::new();
        match (self.mic, self.camera) {
            (Some(m), Some(c)) if m == c => {
                out.push(format!("Your camera and microphone cannot be used: {m}."));
            }
            (mic, camera) => {
                if let Some(c) = camera {
                    out.push(format!("Your camera cannot be used: {c}."));
                }
                if let Some(m) = mic {
                    out.push(format!("Your microphone cannot be used: {m}."));
                }
            }
        }
        if self.mic == Some(MediaProblem::Denied) || self.camera == Some(MediaProblem::Denied) {
            out.push(
                "To allow them, use the camera icon in the address bar or the site settings, then try again."
                    .into(),
            );
        }
        out
    }

    /// The label of the button that joins with whatever works.
    pub fn join_label(&self) -> &'static str {
        match (self.mic.is_none(), self.camera.is_none()) {
            (true, false) => "Join with microphone only",
            (false, true) => "Join with camera only",
            _ => "Watch and chat only",
        }
    }
}

/// The connection to the other person, in words; always shown while in the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Entering the room.
    Joining,
    /// Alone in the room.
    Waiting,
    /// The other person is here; media is being set up.
    Connecting,
    /// Media flows both ways.
    Connected,
    /// The path was interrupted; the browser may bring it back by itself.
    Reconnecting,
    /// The path was lost; an ICE restart (attempt `attempt` of `of`) looks for another.
    Restarting {
        /// This attempt, from 1.
        attempt: u32,
        /// Attempts before giving up.
        of: u32,
    },
    /// No path could be found.
    Failed,
}

impl Link {
    /// The stable name used in `data-state` (tests and styles read it).
    pub fn key(self) -> &'static str {
        match self {
            Link::Joining => "joining",
            Link::Waiting => "waiting",
            Link::Connecting => "connecting",
            Link::Connected => "connected",
            Link::Reconnecting => "reconnecting",
            Link::Restarting { .. } => "restarting",
            Link::Failed => "failed",
        }
    }

    /// The state in words, naming the other person when known.
    pub fn text(self, peer: Option<&str>) -> String {
        let who = peer.unwrap_or("the other person");
        match self {
            Link::Joining => "Joining the room…".into(),
            Link::Waiting => "Waiting for the other person to join".into(),
            Link::Connecting => format!("Connecting to {who}…"),
            Link::Connected => format!("Connected with {who}"),
            Link::Reconnecting => format!("Connection to {who} interrupted, waiting for it…"),
            Link::Restarting { attempt, of } => {
                format!("Connection to {who} lost, trying another path ({attempt} of {of})…")
            }
            Link::Failed => format!("Could not connect to {who}"),
        }
    }
}

/// The connection to the server (signaling, chat and games; the call itself is
/// peer-to-peer and goes on without it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerLink {
    /// Connected, or connecting for the first time.
    Online,
    /// The connection dropped; attempt `attempt` to reach the server again is next.
    Reconnecting {
        /// Attempts so far, from 1.
        attempt: u32,
    },
}

impl ServerLink {
    /// What the person is told while the server is away.
    pub fn text(self) -> Option<String> {
        match self {
            ServerLink::Online => None,
            ServerLink::Reconnecting { attempt: 1 } => {
                Some("Lost the connection to the server, reconnecting… Your call goes on.".into())
            }
            ServerLink::Reconnecting { attempt } => Some(format!(
                "Still reconnecting to the server (attempt {attempt})… Your call goes on; chat and games wait until it is back."
            )),
        }
    }
}

/// A device's state in the call controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// Not available (missing or refused).
    Unavailable,
    /// Available and sending.
    On,
    /// Available, switched off or muted by the person.
    Off,
    /// Being switched on.
    Starting,
}

impl Device {
    /// Whether the device is sending.
    pub fn is_on(self) -> bool {
        self == Device::On
    }
}

/// The seat this person holds in the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    /// Their game mark.
    pub symbol: Symbol,
    /// Slot 0: the impolite side in negotiation, and `X`.
    pub is_player1: bool,
}

/// A short message about something that just happened (a refused move, a failed toggle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Increases with every notice, so the same text twice still shows.
    pub seq: u64,
    /// The message.
    pub text: String,
}

/// A Tic-Tac-Toe board seen from one seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardView {
    /// The marks, row-major.
    pub cells: [Option<Symbol>; 9],
    /// The cells this person may mark now (from the shared rules).
    pub legal: Vec<u8>,
    /// The winning line, once there is one.
    pub line: Option<[u8; 3]>,
    /// Whose turn or the result, in words.
    pub status: String,
    /// `your-turn`, `their-turn`, `won`, `lost` or `draw` (for tests and styles).
    pub key: &'static str,
}

impl BoardView {
    /// The board of `state` as seen by the player holding `me`, against `peer`.
    pub fn new(state: &GameState, me: Symbol, peer: Option<&str>) -> BoardView {
        let GameState::TicTacToe { board } = state;
        BoardView::of(board, me, peer)
    }

    fn of(board: &Board, me: Symbol, peer: Option<&str>) -> BoardView {
        let them = peer.unwrap_or("The other player");
        let (status, key, line) = match board.outcome {
            Some(Outcome::Win { winner, line }) if winner == me => {
                (format!("You won with {}!", mark(me)), "won", Some(line))
            }
            Some(Outcome::Win { winner, line }) => (
                format!("{them} won with {}.", mark(winner)),
                "lost",
                Some(line),
            ),
            Some(Outcome::Draw) => ("It's a draw.".to_owned(), "draw", None),
            None if board.next == me => (
                format!("Your turn. You are {}.", mark(me)),
                "your-turn",
                None,
            ),
            None => (
                format!(
                    "{them}'s turn ({}). You are {}.",
                    mark(me.other()),
                    mark(me)
                ),
                "their-turn",
                None,
            ),
        };
        BoardView {
            cells: board.cells,
            legal: board.legal_moves(me),
            line,
            status,
            key,
        }
    }
}

/// A mark as a letter.
pub fn mark(symbol: Symbol) -> &'static str {
    match symbol {
        Symbol::X => "X",
        Symbol::O => "O",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Symbol::{O, X};

    fn board(moves: &[(Symbol, u8)]) -> GameState {
        let mut b = Board::new();
        for &(p, c) in moves {
            b.play(p, c).expect("scripted move is legal");
        }
        GameState::TicTacToe { board: b }
    }

    #[test]
    fn only_the_player_to_move_has_legal_cells() {
        let state = board(&[(X, 4)]);
        let o = BoardView::new(&state, O, Some("Ada"));
        assert_eq!(o.legal, vec![0, 1, 2, 3, 5, 6, 7, 8]);
        assert_eq!(o.key, "your-turn");
        let x = BoardView::new(&state, X, Some("Bob"));
        assert!(x.legal.is_empty());
        assert_eq!(x.status, "Bob's turn (O). You are X.");
    }

    #[test]
    fn a_win_shows_the_line_and_ends_moves() {
        let state = board(&[(X, 0), (O, 3), (X, 1), (O, 4), (X, 2)]);
        let x = BoardView::new(&state, X, Some("Bob"));
        assert_eq!((x.key, x.line), ("won", Some([0, 1, 2])));
        let o = BoardView::new(&state, O, Some("Ada"));
        assert_eq!(o.status, "Ada won with X.");
        assert!(o.legal.is_empty());
    }

    #[test]
    fn media_issue_names_each_device_once() {
        let both = MediaIssue {
            mic: Some(MediaProblem::Denied),
            camera: Some(MediaProblem::Denied),
        };
        assert_eq!(both.sentences().len(), 2);
        assert_eq!(both.join_label(), "Watch and chat only");
        let camera_only = MediaIssue {
            mic: None,
            camera: Some(MediaProblem::Missing),
        };
        assert_eq!(
            camera_only.sentences(),
            vec!["Your camera cannot be used: no device was found.".to_owned()]
        );
        assert_eq!(camera_only.join_label(), "Join with microphone only");
    }

    #[test]
    fn link_states_read_as_words() {
        assert_eq!(Link::Connected.text(Some("Ada")), "Connected with Ada");
        assert_eq!(Link::Failed.key(), "failed");
        assert_eq!(
            Link::Restarting { attempt: 1, of: 3 }.text(Some("Ada")),
            "Connection to Ada lost, trying another path (1 of 3)…"
        );
        assert_eq!(ServerLink::Online.text(), None);
        assert!(
            ServerLink::Reconnecting { attempt: 2 }
                .text()
                .is_some_and(|t| t.contains("attempt 2"))
        );
    }
}
