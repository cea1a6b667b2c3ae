//! The conversation: lines as shown, and the outbox that keeps this person's
//! lines until the server has echoed them, so none vanishes while it is away.

use duet_shared::limits::MAX_CHAT_CHARS;
use std::time::Duration;

/// Chat messages kept on screen (older ones scroll away for good).
pub const MAX_CHAT_LINES: usize = 500;
/// A line not delivered within this long after it was typed is given up.
pub const CHAT_GIVE_UP_AFTER: Duration = Duration::from_secs(120);

/// Where one of this person's lines is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Waiting for the server (queued or sent, not yet echoed).
    Sending,
    /// The server relayed it to both members.
    Sent,
    /// It will not be sent; why, in words.
    Failed(String),
}

impl Delivery {
    /// A stable name for tests and styling (`data-status`).
    pub fn key(&self) -> &'static str {
        match self {
            Delivery::Sending => "sending",
            Delivery::Sent => "sent",
            Delivery::Failed(_) => "failed",
        }
    }
}

/// One chat message as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    /// Position in the conversation (a stable key for the list).
    pub seq: u64,
    /// The sender's display name (empty for own lines not yet echoed).
    pub sender: String,
    /// Whether this person sent it.
    pub own: bool,
    /// The text, shown as text.
    pub text: String,
    /// Server time in Unix milliseconds, once the server has it.
    pub sent_at: Option<i64>,
    /// For own lines, whether it got through.
    pub delivery: Delivery,
}

/// One of this person's lines not yet echoed by the server.
#[derive(Debug, Clone)]
struct Pending {
    seq: u64,
    text: String,
    typed_at: Duration,
    /// Sent on the current connection (else it waits for one).
    in_flight: bool,
}

/// The conversation and this person's undelivered lines.
#[derive(Debug, Default)]
pub struct Chat {
    pending: Vec<Pending>,
}

impl Chat {
    /// Adds an own line typed at `now` to `lines` as "sending" and to the outbox.
    pub fn queue(&mut self, lines: &mut Vec<ChatLine>, seq: u64, text: String, now: Duration) {
        self.pending.push(Pending {
            seq,
            text: text.clone(),
            typed_at: now,
            in_flight: false,
        });
        push(
            lines,
            ChatLine {
                seq,
                sender: String::new(),
                own: true,
                text,
                sent_at: None,
                delivery: Delivery::Sending,
            },
        );
    }

    /// The texts to send now (in order), marked as in flight.
    pub fn take_unsent(&mut self) -> Vec<String> {
        self.pending
            .iter_mut()
            .filter(|p| !p.in_flight)
            .map(|p| {
                p.in_flight = true;
                p.text.clone()
            })
            .collect()
    }

    /// The connection dropped: lines not echoed go out again on the next one.
    pub fn connection_lost(&mut self) {
        for p in &mut self.pending {
            p.in_flight = false;
        }
    }

    /// The server echoed an own line: the oldest in-flight line with that text is
    /// delivered (echoes come in sending order; matching the text skips a line the
    /// server refused). `false` if none matched (sent from another window).
    pub fn echoed(
        &mut self,
        lines: &mut [ChatLine],
        text: &str,
        sender: &str,
        sent_at: i64,
    ) -> bool {
        let Some(i) = self
            .pending
            .iter()
            .position(|p| p.in_flight && p.text == text)
        else {
            return false;
        };
        let done = self.pending.remove(i);
        if let Some(line) = lines.iter_mut().find(|l| l.seq == done.seq) {
            line.delivery = Delivery::Sent;
            line.sender = sender.to_owned();
            line.sent_at = Some(sent_at);
        }
        true
    }

    /// Gives up every line typed before `cutoff` (all, with `None`), saying `why`.
    pub fn give_up(&mut self, lines: &mut [ChatLine], cutoff: Option<Duration>, why: &str) {
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| cutoff.is_none_or(|c| p.typed_at <= c));
        self.pending = kept;
        for p in gone {
            if let Some(line) = lines.iter_mut().find(|l| l.seq == p.seq) {
                line.delivery = Delivery::Failed(why.to_owned());
            }
        }
    }

    /// When the oldest waiting line was typed.
    pub fn oldest(&self) -> Option<Duration> {
        self.pending.iter().map(|p| p.typed_at).min()
    }
}

/// Appends `line`, dropping the oldest past [`MAX_CHAT_LINES`] (a long call must
/// not grow the page without bound).
pub fn push(lines: &mut Vec<ChatLine>, line: ChatLine) {
    if lines.len() >= MAX_CHAT_LINES {
        lines.remove(0);
    }
    lines.push(line);
}

/// What the composer says about the length of `draft`: nothing while far from the
/// limit, the characters left within the last tenth, and by how much it is over.
pub fn length_hint(draft: &str) -> Option<String> {
    let used = draft.chars().count();
    if used > MAX_CHAT_CHARS {
        let over = used - MAX_CHAT_CHARS;
        let s = if over == 1 { "" } else { "s" };
        return Some(format!(
            "{over} character{s} too long (at most {MAX_CHAT_CHARS})"
        ));
    }
    let left = MAX_CHAT_CHARS - used;
    (left <= MAX_CHAT_CHARS / 10).then(|| {
        let s = if left == 1 { "" } else { "s" };
        format!("{left} character{s} left")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_hint_counts_down_near_the_limit_and_refuses_in_words() {
        let cases = [
            (0, None),
            (MAX_CHAT_CHARS - 201, None),
            (MAX_CHAT_CHARS - 200, Some("200 characters left".to_owned())),
            (MAX_CHAT_CHARS - 1, Some("1 character left".to_owned())),
            (MAX_CHAT_CHARS, Some("0 characters left".to_owned())),
            (
                MAX_CHAT_CHARS + 1,
                Some(format!("1 character too long (at most {MAX_CHAT_CHARS})")),
            ),
            (
                MAX_CHAT_CHARS + 12,
                Some(format!("12 characters too long (at most {MAX_CHAT_CHARS})")),
            ),
        ];
        for (n, want) in cases {
            assert_eq!(length_hint(&"é".repeat(n)), want, "{n} characters");
        }
    }
}
