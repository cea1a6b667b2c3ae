//! Pieces of the pages: forms, the lobby's cards and dialogs, and the call's
//! video tiles, controls, chat and game.

pub mod call_controls;
pub mod chat;
pub mod copy_button;
pub mod files;
pub mod form;
pub mod icons;
pub mod join_private;
pub mod new_room_dialog;
pub mod path_panel;
pub mod room_card;
pub mod tictactoe;
pub mod top_bar;
pub mod video_tile;
