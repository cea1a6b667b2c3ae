//! Before the load: real accounts that own the rooms (the server checks rooms exist),
//! and tokens minted for the synthetic users who fill them.

use anyhow::{Context, bail};
use duet_client::Client as Duet;
use duet_shared::api::{CreateRoomRequest, RoomStatus, RoomType};
use duet_shared::{RoomId, UserId};
use futures_util::{StreamExt, TryStreamExt, stream};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Client, Url};
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Rooms one account may own (the server refuses the 51st with 409).
const ROOMS_PER_OWNER: usize = 50;
/// Sign-ups in flight: password hashing is CPU-bound, one per core.
const SIGNUP_PARALLELISM: usize = 2;
/// Room creations in flight. One: on SQLite (rollback journal, the server's default)
/// concurrent writers collide and back off in the busy handler; 8 at once measured
/// 7 ms per room against 1.2 ms one at a time.
const ROOM_PARALLELISM: usize = 1;
/// How long a minted token stays valid; far beyond any run.
const TOKEN_TTL: Duration = Duration::from_secs(6 * 3600);

/// One synthetic user: who they are and the token they connect with.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Their account id (never stored: the server trusts the token).
    pub user: UserId,
    /// `Authorization` header value.
    pub bearer: String,
}

/// Claims the server expects in a session token (`backend/src/auth/token.rs`).
#[derive(Serialize)]
struct Claims<'a> {
    sub: UserId,
    name: &'a str,
    iat: u64,
    exp: u64,
}

/// Mints HS256 tokens for `count` fresh users, as the server would on sign-in.
pub fn mint_identities(secret: &str, count: usize) -> anyhow::Result<Vec<Identity>> {
    let key = EncodingKey::from_secret(secret.as_bytes());
    let header = Header::new(Algorithm::HS256);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    (0..count)
        .map(|i| {
            let user = UserId(uuid::Uuid::new_v4());
            let name = format!("load-{i}");
            let claims = Claims {
                sub: user,
                name: &name,
                iat: now,
                exp: now + TOKEN_TTL.as_secs(),
            };
            let token = jsonwebtoken::encode(&header, &claims, &key).context("minting a token")?;
            Ok(Identity {
                user,
                bearer: format!("Bearer {token}"),
            })
        })
        .collect()
}

/// Writes room ids, one per line.
pub fn save_rooms(path: &Path, rooms: &[RoomId]) -> anyhow::Result<()> {
    let text: String = rooms.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Reads `count` room ids written by [`save_rooms`].
pub fn load_rooms(path: &Path, count: usize) -> anyhow::Result<Vec<RoomId>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let rooms = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(count)
        .map(|l| l.parse().with_context(|| format!("room id {l:?}")))
        .collect::<anyhow::Result<Vec<RoomId>>>()?;
    if rooms.len() < count {
        bail!(
            "{} holds {} rooms; {count} are needed",
            path.display(),
            rooms.len()
        );
    }
    Ok(rooms)
}

/// Creates `rooms` public rooms through the API, signing up one owner per 50.
pub async fn create_rooms(base: &Url, rooms: usize) -> anyhow::Result<Vec<RoomId>> {
    let http = Client::builder()
        .timeout(Duration::from_secs(30))
        .no_proxy()
        .build()?;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let owners = rooms.div_ceil(ROOMS_PER_OWNER);
    let started = Instant::now();
    let duet = Duet::with_http(base.as_str(), http)?;
    let owners_signed_in: Vec<Duet> = stream::iter(0..owners)
        .map(|i| signup(duet.clone(), &run, i))
        .buffered(SIGNUP_PARALLELISM)
        .try_collect()
        .await?;
    let signed_up = started.elapsed();
    let ids: Vec<RoomId> = stream::iter(0..rooms)
        .map(|i| create_room(&owners_signed_in[i / ROOMS_PER_OWNER], i))
        .buffered(ROOM_PARALLELISM)
        .try_collect()
        .await?;
    eprintln!(
        "duet-loadgen: setup: {owners} owners signed up in {:.1} s, {rooms} rooms created in {:.1} s",
        signed_up.as_secs_f64(),
        (started.elapsed() - signed_up).as_secs_f64()
    );
    Ok(ids)
}

async fn signup(mut duet: Duet, run: &str, i: usize) -> anyhow::Result<Duet> {
    duet.sign_up(
        &format!("Load owner {i}"),
        &format!("owner{i}.{run}@loadgen.test"),
        &format!("loadgen-{run}"),
    )
    .await
    .context("sign-up")?;
    Ok(duet)
}

async fn create_room(owner: &Duet, i: usize) -> anyhow::Result<RoomId> {
    let body = CreateRoomRequest {
        name: format!("load room {i}"),
        room_type: RoomType::Coding,
        status: RoomStatus::Public,
    };
    let room = owner.create_room(&body).await.context("room creation")?;
    Ok(room.id)
}
