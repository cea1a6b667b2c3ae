//! The driver's device effects: camera, microphone and screen, and what the
//! connection sends and the self-view shows after a change.

use super::Driver;
use crate::call::io::{Effect, Input};
use crate::call::state::MediaIssue;
use crate::webrtc::media::{self, LocalMedia};
use crate::webrtc::peer::Peer;
use leptos::prelude::*;
use std::rc::Rc;

impl Driver {
    pub(super) fn device(self: &Rc<Self>, effect: Effect) {
        match effect {
            Effect::AcquireMedia => {
                if let Some(mut old) = self.media.borrow_mut().take() {
                    old.stop();
                }
                let this = self.clone();
                self.spawn_feed(async move {
                    let got = media::acquire(true, true).await;
                    let issue = MediaIssue {
                        mic: got.mic_problem,
                        camera: got.camera_problem,
                    };
                    // Left while the prompt was open: dropping releases what was granted.
                    let held = LocalMedia::new(got.mic, got.camera);
                    if !this.ended.get() {
                        *this.media.borrow_mut() = Some(held);
                        this.show_preview();
                    }
                    Input::Media(issue)
                });
            }
            Effect::SetMic(on) => {
                if let Some(media) = self.media.borrow().as_ref() {
                    media.set_mic_enabled(on);
                }
            }
            Effect::StartCamera => {
                let this = self.clone();
                self.spawn_feed(async move {
                    let result = media::camera().await;
                    Input::Camera(result.map(|track| {
                        // With no media left (the call ended), the track is dropped and stops.
                        if let Some(media) = this.media.borrow_mut().as_mut() {
                            media.set_camera(Some(track));
                        }
                    }))
                });
            }
            Effect::StopCamera => {
                if let Some(media) = self.media.borrow_mut().as_mut() {
                    media.set_camera(None);
                }
                self.send_video();
            }
            Effect::StartScreen => {
                let this = self.clone();
                let ended = self.feeder();
                self.spawn_feed(async move {
                    let result = media::screen().await;
                    Input::Screen(result.map(|track| {
                        let Some(track) = track else { return false };
                        match this.media.borrow_mut().as_mut() {
                            Some(media) => {
                                media.set_screen(track, move || ended(Input::ScreenEnded));
                                true
                            }
                            None => false,
                        }
                    }))
                });
            }
            Effect::StopScreen => {
                if let Some(media) = self.media.borrow_mut().as_mut() {
                    media.stop_screen();
                }
                self.send_video();
            }
            Effect::SendVideo => self.send_video(),
            _ => {}
        }
    }

    /// Sends the current outgoing video and refreshes the self-view.
    fn send_video(&self) {
        if let (Some((_, peer)), Some(media)) =
            (self.peer.borrow().as_ref(), self.media.borrow().as_ref())
        {
            Peer::set_video(peer, media.outgoing_video());
        }
        self.show_preview();
    }

    fn show_preview(&self) {
        let preview = self.media.borrow().as_ref().and_then(LocalMedia::preview);
        self.view.local_stream.set(preview);
    }
}
