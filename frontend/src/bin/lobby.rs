//! The lobby app (index.html): accounts and rooms. A room's page is the call app.

fn main() {
    duet_frontend::start(duet_frontend::app::LobbyApp);
}
