//! `duet-bare-signal`: serves the bare WebRTC page and its WebSocket relay on
//! `--host:--port` (port 0: any free one) and prints the address it listens on.

use actix_web::{App, HttpServer, web};
use clap::Parser;
use duet_setupbench::relay::{Rooms, routes};

#[derive(Parser, Debug)]
#[command(about = "The bare WebRTC page and its signaling relay")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let rooms = web::Data::new(Rooms::default());
    let server = HttpServer::new(move || App::new().configure(routes(rooms.clone())))
        .workers(1)
        .bind((args.host.as_str(), args.port))?;
    for addr in server.addrs() {
        // The benchmark (and the tests) read the port from this line.
        println!("listening on http://{addr}");
    }
    server.run().await
}
