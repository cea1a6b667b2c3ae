//! The call app (room.html, sent for /room/…): one person's call in one room.

fn main() {
    duet_frontend::start(duet_frontend::app::RoomApp);
}
