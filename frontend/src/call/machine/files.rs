//! The call's part in file transfers: the file machine's inputs come through the
//! call's queue, its effects go out with the call's, and the other person leaving
//! or the path dropping reaches it from here.

use super::CallMachine;
use crate::call::io::Effect;
use crate::files::{BLOB_LIMIT, FileInput};

/// Why a file larger than [`BLOB_LIMIT`] is refused where it cannot go to disk.
pub(super) fn too_big_for_memory() -> String {
    format!(
        "Files over {} GiB can only be received in a browser that saves straight to disk (such as Chrome or Edge).",
        BLOB_LIMIT >> 30
    )
}

impl CallMachine {
    /// Lets files of any size be received: this browser writes them straight to disk.
    pub fn receive_to_disk(&mut self) {
        self.files.set_max_size(u64::MAX);
    }

    pub(super) fn on_files(&mut self, input: FileInput) {
        let effects = self.files.handle(input, self.now);
        self.out.extend(effects.into_iter().map(Effect::Files));
        self.view.files = self.files.view();
    }

    pub(super) fn files_peer_left(&mut self, who: &str) {
        let effects = self.files.peer_left(who);
        self.out.extend(effects.into_iter().map(Effect::Files));
        self.view.files = self.files.view();
    }

    pub(super) fn files_link(&mut self, up: bool) {
        self.files.set_link_up(up);
        self.view.files = self.files.view();
    }
}
