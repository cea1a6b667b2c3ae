//! Bodies of the REST API under `/api` (see `docs/api.md`). Timestamps are
//! milliseconds since the Unix epoch.

use crate::ids::{RoomId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// `POST /api/signup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupRequest {
    /// Display name shown to the other person.
    pub name: String,
    /// Sign-in e-mail, unique regardless of case.
    pub email: String,
    /// At least [`crate::limits::MIN_PASSWORD_CHARS`] characters.
    pub password: String,
}

/// `POST /api/signin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigninRequest {
    /// The account's e-mail (any case).
    pub email: String,
    /// The password.
    pub password: String,
}

/// A signed-in user's own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Account id.
    pub id: UserId,
    /// Display name.
    pub name: String,
    /// E-mail as entered at sign-up.
    pub email: String,
    /// When the account was made.
    pub created_at: i64,
}

/// Answer to sign-up and sign-in: the session token (also set as a cookie) and the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    /// A JWT for `Authorization: Bearer`.
    pub token: String,
    /// The account.
    pub user: User,
}

/// What a room is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RoomType {
    /// Playing games (the games panel is offered).
    Game,
    /// Business meetings.
    Business,
    /// Pair programming.
    Coding,
    /// Teaching and studying.
    Learning,
    /// Language exchange.
    Language,
}

impl RoomType {
    /// Every room type, in display order.
    pub const ALL: [RoomType; 5] = [
        RoomType::Game,
        RoomType::Business,
        RoomType::Coding,
        RoomType::Learning,
        RoomType::Language,
    ];

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomType::Game => "game",
            RoomType::Business => "business",
            RoomType::Coding => "coding",
            RoomType::Learning => "learning",
            RoomType::Language => "language",
        }
    }
}

/// Whether a room is listed in the lobby.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RoomStatus {
    /// Listed; any signed-in user may join.
    Public,
    /// Unlisted; joined by id.
    Private,
}

impl RoomStatus {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomStatus::Public => "public",
            RoomStatus::Private => "private",
        }
    }
}

/// An unknown room type or status name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value \"{0}\"")]
pub struct UnknownName(pub String);

macro_rules! from_str_via_all {
    ($ty:ty, [$($v:expr),+]) => {
        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                [$($v),+]
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownName(s.to_owned()))
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

from_str_via_all!(
    RoomType,
    [
        RoomType::Game,
        RoomType::Business,
        RoomType::Coding,
        RoomType::Learning,
        RoomType::Language
    ]
);
from_str_via_all!(RoomStatus, [RoomStatus::Public, RoomStatus::Private]);

/// Another user as shown on a room card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    /// Account id.
    pub id: UserId,
    /// Display name.
    pub name: String,
}

/// `POST /api/rooms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateRoomRequest {
    /// Room name, 1 to [`crate::limits::MAX_ROOM_NAME_CHARS`] characters.
    pub name: String,
    /// What the room is for.
    #[serde(rename = "type")]
    pub room_type: RoomType,
    /// Listed or not.
    pub status: RoomStatus,
}

/// `POST /api/join-room`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JoinRoomRequest {
    /// The room's id.
    pub room_id: RoomId,
}

/// A room, with its live occupancy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Room {
    /// The room's id.
    pub id: RoomId,
    /// Its name.
    pub name: String,
    /// What it is for.
    #[serde(rename = "type")]
    pub room_type: RoomType,
    /// Listed or not.
    pub status: RoomStatus,
    /// Who made it.
    pub created_by: UserSummary,
    /// When it was made.
    pub created_at: i64,
    /// People in its call right now (0 to 2).
    pub occupants: u8,
}

/// `GET /api/rooms` query: both filters optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomFilter {
    /// Only rooms of this type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub room_type: Option<RoomType>,
    /// Only rooms whose name contains this text (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
}

/// One STUN or TURN server, as `RTCIceServer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IceServer {
    /// `stun:`, `turn:` or `turns:` URLs.
    pub urls: Vec<String>,
    /// TURN username (short-lived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN credential (short-lived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// `GET /api/webrtc/ice`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IceConfig {
    /// Servers for `RTCConfiguration.iceServers`.
    pub ice_servers: Vec<IceServer>,
    /// Seconds the credentials stay valid.
    pub ttl: u64,
    /// `RTCConfiguration.iceTransportPolicy`: `relay` hides both people's addresses
    /// from each other by sending everything through TURN.
    #[serde(default)]
    pub ice_transport_policy: IceTransportPolicy,
}

/// Which ICE candidates the browser may use (`RTCIceTransportPolicy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IceTransportPolicy {
    /// Any path: direct, through STUN, or relayed.
    #[default]
    All,
    /// Relayed through TURN only.
    Relay,
}

/// The body of every API error: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// The error.
    pub error: ApiErrorBody,
}

/// Inside [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    /// A stable machine-readable code, e.g. `email-taken`.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
    /// The request field at fault, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn room_json_shape_is_stable() {
        let room = Room {
            id: RoomId(Uuid::from_u128(1)),
            name: "Chess club".into(),
            room_type: RoomType::Game,
            status: RoomStatus::Public,
            created_by: UserSummary {
                id: UserId(Uuid::from_u128(2)),
                name: "Ada".into(),
            },
            created_at: 5,
            occupants: 1,
        };
        assert_eq!(
            serde_json::to_value(&room).unwrap(),
            json!({"id": "00000000-0000-0000-0000-000000000001", "name": "Chess club", "type": "game",
                   "status": "public", "createdBy": {"id": "00000000-0000-0000-0000-000000000002", "name": "Ada"},
                   "createdAt": 5, "occupants": 1})
        );
    }

    #[test]
    fn names_round_trip_through_from_str() {
        for t in RoomType::ALL {
            assert_eq!(t.as_str().parse::<RoomType>(), Ok(t));
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        }
        for s in [RoomStatus::Public, RoomStatus::Private] {
            assert_eq!(s.as_str().parse::<RoomStatus>(), Ok(s));
        }
        assert!("party".parse::<RoomType>().is_err());
    }

    #[test]
    fn ice_config_omits_absent_credentials() {
        let cfg = IceConfig {
            ice_servers: vec![IceServer {
                urls: vec!["stun:stun.example.org:3478".into()],
                username: None,
                credential: None,
            }],
            ttl: 3600,
            ice_transport_policy: IceTransportPolicy::All,
        };
        assert_eq!(
            serde_json::to_value(&cfg).unwrap(),
            json!({"iceServers": [{"urls": ["stun:stun.example.org:3478"]}], "ttl": 3600, "iceTransportPolicy": "all"})
        );
    }
}
