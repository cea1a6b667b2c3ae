//! The driver's part in file transfers: it holds the picked `File`s and reads them
//! a slice at a time, sends frames on the connection's file channel, and keeps
//! incoming bytes in a Blob, or in a file on disk through the File System Access
//! API for files too large for memory. The file machine decides every step.

use super::Driver;
use crate::call::io::{Input, PeerInput};
use crate::files::{BLOB_LIMIT, FileEffect, FileInput, LocalFile};
use futures::StreamExt;
use futures::channel::mpsc;
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{Blob, BlobPropertyBag, File, Url};

/// Bytes gathered before they are folded into one Blob part (which the browser may
/// keep on disk), so a large file is not held as thousands of small arrays.
const FOLD_EVERY: u64 = 16 * 1024 * 1024;

/// Where an incoming file's bytes go.
enum Sink {
    /// Into a Blob, for the save link.
    Memory {
        parts: Array,
        unfolded: u64,
        mime: String,
    },
    /// Straight into a file the person chose, one write after another.
    Disk(mpsc::UnboundedSender<DiskOp>),
}

enum DiskOp {
    Write(Vec<u8>),
    Close,
    Abort,
}

/// The browser objects of the call's file transfers.
#[derive(Default)]
pub(super) struct FileStore {
    next_id: Cell<u32>,
    outgoing: RefCell<HashMap<u32, File>>,
    incoming: RefCell<HashMap<u32, Sink>>,
    /// Save links made, released when the call ends.
    links: RefCell<Vec<String>>,
}

/// Whether this browser can write a received file straight to disk.
pub(super) fn can_save_to_disk() -> bool {
    save_picker().is_some()
}

fn save_picker() -> Option<Function> {
    let window = web_sys::window()?;
    Reflect::get(&window, &"showSaveFilePicker".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

impl Driver {
    /// Offers `files` to the other person.
    pub(super) fn offer_files(self: &Rc<Self>, files: Vec<File>) {
        let picked = files
            .into_iter()
            .map(|file| {
                let id = self.files.next_id.get().wrapping_add(1);
                self.files.next_id.set(id);
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let local = LocalFile {
                    id,
                    name: file.name(),
                    size: file.size() as u64,
                    mime: file.type_(),
                };
                self.files.outgoing.borrow_mut().insert(id, file);
                local
            })
            .collect();
        self.feed(Input::Files(FileInput::Offer(picked)));
    }

    pub(super) fn file_effect(self: &Rc<Self>, effect: FileEffect) {
        match effect {
            FileEffect::SendText(text) => self.with_peer(|p| p.send_file_text(&text)),
            FileEffect::SendFrames(frames) => {
                let sent = self
                    .peer
                    .borrow()
                    .as_ref()
                    .map(|(generation, peer)| (*generation, peer.send_file_frames(&frames)));
                if let Some((generation, buffered)) = sent {
                    let input = PeerInput::Files(FileInput::Sent { buffered });
                    self.feed(Input::Peer(generation, input));
                }
            }
            FileEffect::Read { id, offset, len } => {
                let file = self.files.outgoing.borrow().get(&id).cloned();
                self.spawn_feed(async move {
                    let result = match file {
                        Some(file) => read(&file, offset, len).await,
                        None => Err("the file is gone".to_owned()),
                    };
                    Input::Files(FileInput::Read { id, offset, result })
                });
            }
            FileEffect::Forget(id) => drop(self.files.outgoing.borrow_mut().remove(&id)),
            FileEffect::Prepare {
                id,
                name,
                size,
                mime,
            } => self.prepare(id, &name, size, mime),
            FileEffect::Write { id, bytes } => self.write(id, bytes),
            FileEffect::Finish(id) => self.finish(id),
            FileEffect::Discard(id) => {
                if let Some(Sink::Disk(tx)) = self.files.incoming.borrow_mut().remove(&id) {
                    let _ = tx.unbounded_send(DiskOp::Abort);
                }
            }
        }
    }

    /// A Blob for files up to [`BLOB_LIMIT`]; larger ones (offered only where the
    /// browser can) go to a file the person picks.
    fn prepare(self: &Rc<Self>, id: u32, name: &str, size: u64, mime: String) {
        let picker = save_picker().filter(|_| size > BLOB_LIMIT);
        let Some(picker) = picker else {
            let sink = Sink::Memory {
                parts: Array::new(),
                unfolded: 0,
                mime,
            };
            self.files.incoming.borrow_mut().insert(id, sink);
            self.feed(Input::Files(FileInput::Prepared { id, result: Ok(()) }));
            return;
        };
        // Called now, while the click that accepted the file still counts as a gesture.
        let options = Object::new();
        let _ = Reflect::set(&options, &"suggestedName".into(), &name.into());
        let handle = picker.call1(&JsValue::UNDEFINED, &options);
        let this = self.clone();
        self.spawn_feed(async move {
            let result = match open_writable(handle).await {
                Ok(writable) => {
                    let (tx, rx) = mpsc::unbounded();
                    spawn_local(write_to_disk(writable, rx, this.feeder(), id));
                    this.files.incoming.borrow_mut().insert(id, Sink::Disk(tx));
                    Ok(())
                }
                Err(e) => Err(e),
            };
            Input::Files(FileInput::Prepared { id, result })
        });
    }

    fn write(&self, id: u32, bytes: Vec<u8>) {
        let mut incoming = self.files.incoming.borrow_mut();
        match incoming.get_mut(&id) {
            Some(Sink::Memory {
                parts, unfolded, ..
            }) => {
                *unfolded += bytes.len() as u64;
                parts.push(&Uint8Array::from(bytes.as_slice()));
                if *unfolded >= FOLD_EVERY
                    && let Ok(blob) = Blob::new_with_u8_array_sequence(parts)
                {
                    *parts = Array::of1(&blob);
                    *unfolded = 0;
                }
            }
            Some(Sink::Disk(tx)) => drop(tx.unbounded_send(DiskOp::Write(bytes))),
            None => {}
        }
    }

    fn finish(self: &Rc<Self>, id: u32) {
        let sink = self.files.incoming.borrow_mut().remove(&id);
        let result = match sink {
            Some(Sink::Memory { parts, mime, .. }) => {
                let options = BlobPropertyBag::new();
                options.set_type(&mime);
                Blob::new_with_u8_array_sequence_and_options(&parts, &options)
                    .and_then(|blob| Url::create_object_url_with_blob(&blob))
                    .map(|url| {
                        self.files.links.borrow_mut().push(url.clone());
                        Some(url)
                    })
                    .map_err(|e| format!("{e:?}"))
            }
            // The disk task reports when the file is closed.
            Some(Sink::Disk(tx)) => return drop(tx.unbounded_send(DiskOp::Close)),
            None => Err("nothing was kept".to_owned()),
        };
        self.feed(Input::Files(FileInput::Stored { id, result }));
    }

    /// The call is over: let every file and save link go.
    pub(super) fn end_files(&self) {
        self.files.outgoing.borrow_mut().clear();
        for (_, sink) in self.files.incoming.borrow_mut().drain() {
            if let Sink::Disk(tx) = sink {
                let _ = tx.unbounded_send(DiskOp::Abort);
            }
        }
        for url in self.files.links.borrow_mut().drain(..) {
            let _ = Url::revoke_object_url(&url);
        }
    }
}

/// `len` bytes of `file` from `offset` (`File.slice`: never the whole file).
async fn read(file: &File, offset: u64, len: u64) -> Result<Vec<u8>, String> {
    #[allow(clippy::cast_precision_loss)]
    let slice = file
        .slice_with_f64_and_f64(offset as f64, (offset + len) as f64)
        .map_err(|e| format!("{e:?}"))?;
    let buffer = JsFuture::from(slice.array_buffer())
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The picked file's writable stream, from `showSaveFilePicker`'s promise.
async fn open_writable(handle: Result<JsValue, JsValue>) -> Result<JsValue, String> {
    let promise = handle.map_err(|e| format!("{e:?}"))?;
    let handle = JsFuture::from(js_sys::Promise::from(promise))
        .await
        .map_err(|_| "no place was chosen to save it".to_owned())?;
    let create = Reflect::get(&handle, &"createWritable".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or("the browser cannot write that file")?;
    let writable = create.call0(&handle).map_err(|e| format!("{e:?}"))?;
    JsFuture::from(js_sys::Promise::from(writable))
        .await
        .map_err(|e| format!("{e:?}"))
}

/// Writes to `writable` in order; reports the file stored (or why not) when closed.
async fn write_to_disk(
    writable: JsValue,
    mut ops: mpsc::UnboundedReceiver<DiskOp>,
    feed: impl Fn(Input),
    id: u32,
) {
    let call = |method: &str, arg: Option<&JsValue>| -> Result<JsValue, JsValue> {
        let f: Function = Reflect::get(&writable, &method.into())?.dyn_into()?;
        match arg {
            Some(arg) => f.call1(&writable, arg),
            None => f.call0(&writable),
        }
    };
    let run = |method: &'static str, arg: Option<JsValue>| {
        let promise = call(method, arg.as_ref());
        async move {
            let promise = promise.map_err(|e| format!("{e:?}"))?;
            JsFuture::from(js_sys::Promise::from(promise))
                .await
                .map(drop)
                .map_err(|e| format!("{e:?}"))
        }
    };
    let mut failed: Option<String> = None;
    while let Some(op) = ops.next().await {
        match op {
            DiskOp::Write(bytes) if failed.is_none() => {
                let chunk: JsValue = Uint8Array::from(bytes.as_slice()).into();
                failed = run("write", Some(chunk)).await.err();
            }
            DiskOp::Write(_) => {}
            DiskOp::Close => {
                let result = match failed.take() {
                    Some(e) => Err(e),
                    None => run("close", None).await.map(|()| None),
                };
                return feed(Input::Files(FileInput::Stored { id, result }));
            }
            DiskOp::Abort => {
                let _ = run("abort", None).await;
                return;
            }
        }
    }
}
