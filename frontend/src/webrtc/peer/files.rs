//! The connection's file channel: ordered, binary, pre-agreed on both sides (id 1,
//! beside the small media-state channel on id 0), with a low-water mark so the
//! sender reads more only as the channel drains.

use super::{Inner, PeerEvent};
use crate::files::{FileInput, LOW_WATER};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    MessageEvent, RtcDataChannel, RtcDataChannelInit, RtcDataChannelType, RtcPeerConnection,
};

/// Creates the file channel on `pc`.
pub(super) fn create(pc: &RtcPeerConnection) -> RtcDataChannel {
    let init = RtcDataChannelInit::new();
    init.set_negotiated(true);
    init.set_id(1);
    init.set_ordered(true);
    let channel = pc.create_data_channel_with_data_channel_dict("duet-files", &init);
    channel.set_binary_type(RtcDataChannelType::Arraybuffer);
    channel.set_buffered_amount_low_threshold(LOW_WATER);
    channel
}

impl Inner {
    pub(super) fn install_file_handlers(this: &std::rc::Rc<Inner>) {
        let emit = |weak: &std::rc::Weak<Inner>, input: FileInput| {
            if let Some(inner) = weak.upgrade() {
                inner.emit(PeerEvent::Files(input));
            }
        };
        let weak = std::rc::Rc::downgrade(this);
        let on_open = this.keep(move |_| emit(&weak, FileInput::Open));
        this.files.set_onopen(Some(&on_open));
        let weak = std::rc::Rc::downgrade(this);
        let on_close = this.keep(move |_| emit(&weak, FileInput::Closed));
        this.files.set_onclose(Some(&on_close));
        let weak = std::rc::Rc::downgrade(this);
        let on_low = this.keep(move |_| emit(&weak, FileInput::Drained));
        this.files.set_onbufferedamountlow(Some(&on_low));
        let weak = std::rc::Rc::downgrade(this);
        let on_message = this.keep(move |ev: JsValue| {
            let Ok(ev) = ev.dyn_into::<MessageEvent>() else {
                return;
            };
            let data = ev.data();
            let input = match data.as_string() {
                Some(text) => FileInput::Text(text),
                None => match data.dyn_into::<js_sys::ArrayBuffer>() {
                    Ok(buffer) => FileInput::Binary(js_sys::Uint8Array::new(&buffer).to_vec()),
                    Err(_) => return,
                },
            };
            emit(&weak, input);
        });
        this.files.set_onmessage(Some(&on_message));
    }

    pub(super) fn close_files(&self) {
        self.files.set_onopen(None);
        self.files.set_onclose(None);
        self.files.set_onmessage(None);
        self.files.set_onbufferedamountlow(None);
        self.files.close();
    }
}

impl super::Peer {
    /// Sends a control message on the file channel (dropped if it is not open).
    pub fn send_file_text(&self, text: &str) {
        let _ = self.inner.files.send_with_str(text);
    }

    /// Sends binary frames on the file channel; the bytes it then holds unsent.
    pub fn send_file_frames(&self, frames: &[Vec<u8>]) -> u64 {
        for frame in frames {
            if self.inner.files.send_with_u8_array(frame).is_err() {
                break;
            }
        }
        u64::from(self.inner.files.buffered_amount())
    }
}
