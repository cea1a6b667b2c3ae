//! `rooms`: list, create, delete; and finding a room by id or name for the other commands.

use crate::Context;
use crate::args::RoomsAction;
use crate::failure::Failure;
use duet_client::api::{CreateRoomRequest, Room, RoomFilter, RoomStatus, RoomType};
use duet_client::{Client, RoomId};

/// Runs a `rooms` subcommand (listing by default).
pub async fn run(ctx: &Context, action: Option<RoomsAction>) -> Result<(), Failure> {
    let client = ctx.signed_in()?;
    match action.unwrap_or(RoomsAction::List {
        room_type: None,
        query: None,
        json: false,
    }) {
        RoomsAction::List {
            room_type,
            query,
            json,
        } => list(&client, room_type, query, json).await,
        RoomsAction::Create {
            name,
            room_type,
            private,
        } => {
            let status = if private {
                RoomStatus::Private
            } else {
                RoomStatus::Public
            };
            let room = client
                .create_room(&CreateRoomRequest {
                    name,
                    room_type,
                    status,
                })
                .await?;
            println!("{}", room.id);
            Ok(())
        }
        RoomsAction::Delete { room } => {
            let room = find(&client, &room).await?;
            client.delete_room(room.id).await?;
            eprintln!("Deleted “{}”.", room.name);
            Ok(())
        }
    }
}

async fn list(
    client: &Client,
    room_type: Option<RoomType>,
    q: Option<String>,
    json: bool,
) -> Result<(), Failure> {
    let rooms = client.rooms(&RoomFilter { room_type, q }).await?;
    if json {
        for room in &rooms {
            let line = serde_json::to_string(room).map_err(|e| Failure(e.to_string()))?;
            println!("{line}");
        }
        return Ok(());
    }
    if rooms.is_empty() {
        eprintln!("No rooms. Make one with `duet-cli rooms create NAME`.");
        return Ok(());
    }
    let width = rooms
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:<36}  {:<width$}  {:<8}  {:<7}  {:<10}  OWNER",
        "ID", "NAME", "TYPE", "STATUS", "PEOPLE"
    );
    for room in &rooms {
        println!(
            "{:<36}  {:<width$}  {:<8}  {:<7}  {:<10}  {}",
            room.id.to_string(),
            room.name,
            room.room_type.as_str(),
            room.status.as_str(),
            occupancy(room.occupants),
            room.created_by.name
        );
    }
    Ok(())
}

/// A room's occupancy as a person reads it: who can be met there now.
pub fn occupancy(occupants: u8) -> &'static str {
    match occupants {
        0 => "empty",
        1 => "1 waiting",
        _ => "full",
    }
}

/// The room named by `given`: its id, or its exact name (any case) if only one room has it.
/// Entry is granted on the way (`POST /api/join-room`), so a private room's id works.
pub async fn find(client: &Client, given: &str) -> Result<Room, Failure> {
    if let Ok(id) = given.parse::<RoomId>() {
        return Ok(client.join_room(id).await?);
    }
    let rooms = client
        .rooms(&RoomFilter {
            room_type: None,
            q: Some(given.to_owned()),
        })
        .await?;
    let mut named: Vec<Room> = rooms
        .into_iter()
        .filter(|r| r.name.to_lowercase() == given.to_lowercase())
        .collect();
    match named.len() {
        1 => Ok(named.remove(0)),
        0 => Err(Failure(format!(
            "no room is named “{given}” (see `duet-cli rooms`)"
        ))),
        n => Err(Failure(format!(
            "{n} rooms are named “{given}”; give the id instead"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::occupancy;

    #[test]
    fn occupancy_says_whether_someone_waits() {
        assert_eq!(occupancy(0), "empty");
        assert_eq!(occupancy(1), "1 waiting");
        assert_eq!(occupancy(2), "full");
    }
}
