//! What the machine does with the person's commands: devices, chat, games.

use super::CallMachine;
use crate::call::chat::CHAT_GIVE_UP_AFTER;
use crate::call::io::{Command, Effect, MediaState, Outbound, TimerKind};
use crate::call::state::{Device, Phase};
use crate::webrtc::media::MediaProblem;
use duet_shared::protocol::validate_chat;

impl CallMachine {
    pub(super) fn on_command(&mut self, command: Command) {
        match command {
            Command::ToggleMic => {
                if self.view.mic == Device::Unavailable {
                    return;
                }
                let on = !self.view.mic.is_on();
                self.view.mic = if on { Device::On } else { Device::Off };
                self.out.push(Effect::SetMic(on));
                self.publish_media_state();
            }
            Command::ToggleCamera => match self.view.camera {
                Device::On => {
                    self.view.camera = Device::Off;
                    self.out.push(Effect::StopCamera);
                    self.publish_media_state();
                }
                Device::Starting => {}
                Device::Off | Device::Unavailable => {
                    self.view.camera = Device::Starting;
                    self.out.push(Effect::StartCamera);
                }
            },
            Command::ToggleScreen if self.view.sharing => self.stop_screen(),
            Command::ToggleScreen => self.out.push(Effect::StartScreen),
            Command::SendChat(text) => self.send_chat(text),
            Command::ChatPanel(open) => {
                self.chat_open = open;
                if open {
                    self.view.unread = 0;
                }
            }
            Command::SelectGame => self.send_in_room(Outbound::GameSelect),
            Command::Play(cell) => self.send_in_room(Outbound::GameMove(cell)),
            Command::ResetGame => self.send_in_room(Outbound::GameReset),
            Command::Reconnect => self.rejoin(),
            Command::RetryMedia => {
                self.media_issue = None;
                self.view.phase = Phase::Media;
                self.out.push(Effect::AcquireMedia);
            }
            Command::JoinWithAvailable => {
                self.media_ready = true;
                self.refresh_phase();
                self.maybe_join();
            }
            Command::Leave => self.end(None),
        }
    }

    pub(super) fn on_camera(&mut self, result: Result<(), MediaProblem>) {
        match result {
            Ok(()) => {
                self.view.camera = Device::On;
                self.out.push(Effect::SendVideo);
                self.publish_media_state();
            }
            Err(problem) => {
                self.view.camera = Device::Off;
                self.notify(format!("The camera could not be turned on: {problem}."));
            }
        }
    }

    pub(super) fn on_screen(&mut self, result: Result<bool, MediaProblem>) {
        match result {
            Ok(true) => {
                self.view.sharing = true;
                self.out.push(Effect::SendVideo);
                self.publish_media_state();
            }
            Ok(false) => {}
            Err(problem) => self.notify(format!("The screen could not be shared: {problem}.")),
        }
    }

    pub(super) fn stop_screen(&mut self) {
        if self.view.sharing {
            self.view.sharing = false;
            self.out.push(Effect::StopScreen);
            self.publish_media_state();
        }
    }

    /// What this side sends, as told to the other.
    pub(super) fn media_state(&self) -> MediaState {
        MediaState {
            mic: self.view.mic.is_on(),
            camera: self.view.camera.is_on(),
            screen: self.view.sharing,
        }
    }

    pub(super) fn publish_media_state(&mut self) {
        if self.peer.is_some() {
            self.out.push(Effect::SendMediaState(self.media_state()));
        }
    }

    /// A chat line: refused in words if the shared rule says no, else shown as
    /// "sending…" and sent as soon as the room can take it.
    fn send_chat(&mut self, text: String) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if let Err(e) = validate_chat(text) {
            self.view.chat_error = Some(crate::api::sentence(&e.message));
            return;
        }
        self.view.chat_error = None;
        if self.chat.oldest().is_none() {
            self.start_timer(TimerKind::ChatExpiry, CHAT_GIVE_UP_AFTER);
        }
        let seq = self.next_seq();
        self.chat
            .queue(&mut self.view.chat, seq, text.to_owned(), self.now);
        self.flush_chat();
    }

    /// Sends the lines waiting for a room to take them. While the other person is
    /// still in the call but away from the server, lines wait for them too: the
    /// server keeps no history, so a line sent now would never reach them.
    pub(super) fn flush_chat(&mut self) {
        if !self.joined || (!self.peer_present && self.peer_is_up()) {
            return;
        }
        for text in self.chat.take_unsent() {
            self.send(Outbound::Chat(text));
        }
    }

    /// Gives up lines waiting longer than the bound; waits for the next oldest.
    pub(super) fn expire_chat(&mut self) {
        if let Some(cutoff) = self.now.checked_sub(CHAT_GIVE_UP_AFTER) {
            self.chat.give_up(
                &mut self.view.chat,
                Some(cutoff),
                "Not sent: the server could not be reached.",
            );
        }
        if let Some(oldest) = self.chat.oldest() {
            let due = oldest + CHAT_GIVE_UP_AFTER;
            self.start_timer(TimerKind::ChatExpiry, due.saturating_sub(self.now));
        }
    }

    fn send_in_room(&mut self, msg: Outbound) {
        if self.joined {
            self.send(msg);
        }
    }
}
