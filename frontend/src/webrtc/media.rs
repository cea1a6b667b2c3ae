//! Local media: the camera and microphone (`getUserMedia`), the screen
//! (`getDisplayMedia`), and showing a stream in a `<video>` element.

use send_wrapper::SendWrapper;
use std::fmt;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DisplayMediaStreamConstraints, DomException, HtmlVideoElement, MediaDevices, MediaStream,
    MediaStreamConstraints, MediaStreamTrack,
};

/// The camera resolution asked for; browsers give the closest the device has.
const CAMERA_CONSTRAINTS: &str =
    r#"{"width":{"ideal":1280},"height":{"ideal":720},"frameRate":{"ideal":30,"max":30}}"#;
/// Audio processing a call wants (browsers default to these, but say so).
const MIC_CONSTRAINTS: &str =
    r#"{"echoCancellation":true,"noiseSuppression":true,"autoGainControl":true}"#;

/// Why a device could not be used, told to the person in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaProblem {
    /// The person or the browser's settings refused access.
    Denied,
    /// There is no such device.
    Missing,
    /// The device exists but another application holds it.
    Busy,
    /// The page is not on HTTPS (or localhost), so browsers hide devices.
    Insecure,
    /// Anything else the browser reported.
    Failed,
}

impl MediaProblem {
    fn from_js(err: &JsValue) -> MediaProblem {
        let name = err.dyn_ref::<DomException>().map(DomException::name);
        match name.as_deref() {
            Some("NotAllowedError" | "SecurityError" | "PermissionDeniedError") => {
                MediaProblem::Denied
            }
            Some("NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError") => {
                MediaProblem::Missing
            }
            Some("NotReadableError" | "AbortError" | "TrackStartError") => MediaProblem::Busy,
            _ => MediaProblem::Failed,
        }
    }
}

impl fmt::Display for MediaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MediaProblem::Denied => "access was blocked",
            MediaProblem::Missing => "no device was found",
            MediaProblem::Busy => "it is in use by another application",
            MediaProblem::Insecure => "the page is not served over HTTPS",
            MediaProblem::Failed => "the browser could not start it",
        })
    }
}

/// One local or remote media track, shareable with views (the app runs on one thread).
#[derive(Clone, Debug)]
pub struct Track(pub(super) SendWrapper<MediaStreamTrack>);

impl PartialEq for Track {
    fn eq(&self, other: &Self) -> bool {
        *self.0 == *other.0
    }
}

impl Track {
    pub(super) fn new(track: MediaStreamTrack) -> Self {
        Track(SendWrapper::new(track))
    }

    pub(super) fn js(&self) -> &MediaStreamTrack {
        &self.0
    }

    fn stop(&self) {
        self.0.set_onended(None);
        self.0.stop();
    }
}

/// A media stream to show in a `<video>` element.
#[derive(Clone, Debug)]
pub struct Stream(pub(super) SendWrapper<MediaStream>);

impl PartialEq for Stream {
    fn eq(&self, other: &Self) -> bool {
        *self.0 == *other.0
    }
}

impl Stream {
    pub(super) fn new(stream: MediaStream) -> Self {
        Stream(SendWrapper::new(stream))
    }

    /// A new stream holding just `track`.
    pub fn of(track: &Track) -> Option<Stream> {
        let stream = MediaStream::new().ok()?;
        stream.add_track(track.js());
        Some(Stream::new(stream))
    }
}

fn media_devices() -> Result<MediaDevices, MediaProblem> {
    let window = web_sys::window().ok_or(MediaProblem::Failed)?;
    if !window.is_secure_context() {
        return Err(MediaProblem::Insecure);
    }
    window
        .navigator()
        .media_devices()
        .map_err(|_| MediaProblem::Failed)
}

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or(JsValue::TRUE)
}

/// Whether this browser can share a screen (phones cannot).
pub fn can_share_screen() -> bool {
    media_devices()
        .ok()
        .and_then(|d| js_sys::Reflect::has(&d, &JsValue::from_str("getDisplayMedia")).ok())
        .unwrap_or(false)
}

async fn user_media(audio: bool, video: bool) -> Result<MediaStream, MediaProblem> {
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&if audio {
        json(MIC_CONSTRAINTS)
    } else {
        JsValue::FALSE
    });
    constraints.set_video(&if video {
        json(CAMERA_CONSTRAINTS)
    } else {
        JsValue::FALSE
    });
    let promise = media_devices()?
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| MediaProblem::from_js(&e))?;
    let stream = JsFuture::from(promise)
        .await
        .map_err(|e| MediaProblem::from_js(&e))?;
    stream.dyn_into().map_err(|_| MediaProblem::Failed)
}

fn first(tracks: js_sys::Array) -> Option<Track> {
    tracks
        .get(0)
        .dyn_into::<MediaStreamTrack>()
        .ok()
        .map(Track::new)
}

/// What `acquire` obtained, and what it could not get.
pub struct Acquired {
    /// The microphone track, if any.
    pub mic: Option<Track>,
    /// The camera track, if any.
    pub camera: Option<Track>,
    /// Why the microphone is missing, if it is and was asked for.
    pub mic_problem: Option<MediaProblem>,
    /// Why the camera is missing, if it is and was asked for.
    pub camera_problem: Option<MediaProblem>,
}

/// Asks for the microphone and/or camera together (one permission prompt); when
/// that fails, tries each alone so a missing or blocked camera does not cost the
/// microphone, and says what went wrong with each.
pub async fn acquire(mic: bool, camera: bool) -> Acquired {
    let mut out = Acquired {
        mic: None,
        camera: None,
        mic_problem: None,
        camera_problem: None,
    };
    if !mic && !camera {
        return out;
    }
    match user_media(mic, camera).await {
        Ok(stream) => {
            out.mic = first(stream.get_audio_tracks());
            out.camera = first(stream.get_video_tracks());
        }
        Err(MediaProblem::Insecure) => {
            out.mic_problem = mic.then_some(MediaProblem::Insecure);
            out.camera_problem = camera.then_some(MediaProblem::Insecure);
        }
        Err(problem) if mic && camera => {
            // Asking for both fails when either fails; find out which one works.
            match user_media(true, false).await {
                Ok(s) => out.mic = first(s.get_audio_tracks()),
                Err(p) => out.mic_problem = Some(p),
            }
            match user_media(false, true).await {
                Ok(s) => out.camera = first(s.get_video_tracks()),
                Err(p) => out.camera_problem = Some(p),
            }
            if out.mic_problem.is_none() && out.camera_problem.is_none() {
                out.camera_problem = Some(problem);
            }
        }
        Err(problem) => {
            if mic {
                out.mic_problem = Some(problem);
            } else {
                out.camera_problem = Some(problem);
            }
        }
    }
    out
}

/// Starts the camera alone (turning it back on after it was switched off).
pub async fn camera() -> Result<Track, MediaProblem> {
    let stream = user_media(false, true).await?;
    first(stream.get_video_tracks()).ok_or(MediaProblem::Missing)
}

/// Asks the person to pick a screen, window or tab to share. `None` when they cancelled.
pub async fn screen() -> Result<Option<Track>, MediaProblem> {
    let constraints = DisplayMediaStreamConstraints::new();
    constraints.set_video(&json(r#"{"frameRate":{"ideal":15,"max":30}}"#));
    constraints.set_audio(&JsValue::FALSE);
    let promise = media_devices()?
        .get_display_media_with_constraints(&constraints)
        .map_err(|e| MediaProblem::from_js(&e))?;
    match JsFuture::from(promise).await {
        Ok(stream) => {
            let stream: MediaStream = stream.dyn_into().map_err(|_| MediaProblem::Failed)?;
            Ok(first(stream.get_video_tracks()))
        }
        // Cancelling the picker rejects with NotAllowedError: not an error to report.
        Err(e) if MediaProblem::from_js(&e) == MediaProblem::Denied => Ok(None),
        Err(e) => Err(MediaProblem::from_js(&e)),
    }
}

/// The tracks this person sends, and the stream they are announced in.
pub struct LocalMedia {
    /// The stream id the remote side groups our tracks by.
    pub(super) stream: MediaStream,
    mic: Option<Track>,
    camera: Option<Track>,
    screen: Option<Track>,
    /// Called when the browser's own "Stop sharing" ends the screen track.
    screen_ended: Option<Closure<dyn FnMut()>>,
}

impl LocalMedia {
    /// Local media holding the given tracks (either may be absent).
    pub fn new(mic: Option<Track>, camera: Option<Track>) -> LocalMedia {
        let stream = MediaStream::new().unwrap_or_else(|_| {
            // Every browser with WebRTC has the constructor; a plain object keeps the
            // app alive in one that does not (it will fail later, in words).
            JsValue::from(js_sys::Object::new()).unchecked_into()
        });
        LocalMedia {
            stream,
            mic,
            camera,
            screen: None,
            screen_ended: None,
        }
    }

    /// The microphone track.
    pub fn mic(&self) -> Option<&Track> {
        self.mic.as_ref()
    }

    /// The video to send: the shared screen, else the camera.
    pub fn outgoing_video(&self) -> Option<&Track> {
        self.screen.as_ref().or(self.camera.as_ref())
    }

    /// A stream for the self-view, showing what is being sent.
    pub fn preview(&self) -> Option<Stream> {
        self.outgoing_video().and_then(Stream::of)
    }

    /// Mutes or unmutes the microphone; the track keeps running so unmuting is instant.
    pub fn set_mic_enabled(&self, on: bool) {
        if let Some(mic) = &self.mic {
            mic.js().set_enabled(on);
        }
    }

    /// Replaces the camera track (`None` switches the camera off and releases the device).
    pub fn set_camera(&mut self, camera: Option<Track>) {
        if let Some(old) = self.camera.take() {
            old.stop();
        }
        self.camera = camera;
    }

    /// Starts sending `screen`; `on_ended` runs if the browser ends the share itself.
    pub fn set_screen(&mut self, screen: Track, on_ended: impl FnMut() + 'static) {
        self.stop_screen();
        let closure = Closure::<dyn FnMut()>::new(on_ended);
        screen
            .js()
            .set_onended(Some(closure.as_ref().unchecked_ref()));
        self.screen = Some(screen);
        self.screen_ended = Some(closure);
    }

    /// Stops sharing the screen.
    pub fn stop_screen(&mut self) {
        if let Some(screen) = self.screen.take() {
            screen.stop();
        }
        self.screen_ended = None;
    }

    /// Stops every track (the camera light goes off).
    pub fn stop(&mut self) {
        self.stop_screen();
        for track in [self.mic.take(), self.camera.take()].into_iter().flatten() {
            track.stop();
        }
    }
}

impl Drop for LocalMedia {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Shows `stream` in `video` and starts playback. Remote video may be refused
/// autoplay with sound until the person interacts with the page; it is then
/// played muted and `on_blocked` is called so the view can offer "Turn on sound".
pub fn show(
    video: &HtmlVideoElement,
    stream: Option<&Stream>,
    on_blocked: impl FnOnce() + 'static,
) {
    let current = video.src_object();
    let next = stream.map(|s| &*s.0);
    if current.as_ref() != next {
        video.set_src_object(next);
    }
    if next.is_none() {
        return;
    }
    let Ok(promise) = video.play() else {
        return;
    };
    let video = video.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = JsFuture::from(promise).await
            && MediaProblem::from_js(&e) == MediaProblem::Denied
            && !video.muted()
        {
            video.set_muted(true);
            if let Ok(p) = video.play() {
                let _ = JsFuture::from(p).await;
            }
            on_blocked();
        }
    });
}

/// Unmutes `video` and plays it again (after the person asked for sound).
pub fn unmute(video: &HtmlVideoElement) {
    video.set_muted(false);
    if let Ok(p) = video.play() {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(p).await;
        });
    }
}
