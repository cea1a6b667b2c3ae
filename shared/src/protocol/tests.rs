use super::*;
use crate::games::tictactoe::Outcome;
use serde_json::{Value, json};
use uuid::Uuid;

fn room() -> RoomId {
    RoomId(Uuid::from_u128(0x1234))
}

fn user() -> UserId {
    UserId(Uuid::from_u128(0x5678))
}

const ROOM: &str = "00000000-0000-0000-0000-000000001234";
const USER: &str = "00000000-0000-0000-0000-000000005678";

fn offer() -> SessionDescription {
    SessionDescription {
        kind: SdpType::Offer,
        sdp: "v=0\r\n".into(),
    }
}

fn candidate() -> IceCandidate {
    IceCandidate {
        candidate: "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    }
}

/// Each client message with the exact JSON it must have on the wire.
fn client_cases() -> Vec<(ClientMsg, Value)> {
    vec![
        (
            ClientMsg::JoinRoom { room_id: room() },
            json!({"type": "join-room", "roomId": ROOM}),
        ),
        (
            ClientMsg::LeaveRoom { room_id: room() },
            json!({"type": "leave-room", "roomId": ROOM}),
        ),
        (
            ClientMsg::Offer {
                room_id: room(),
                offer: offer(),
            },
            json!({"type": "offer", "roomId": ROOM, "offer": {"type": "offer", "sdp": "v=0\r\n"}}),
        ),
        (
            ClientMsg::Answer {
                room_id: room(),
                answer: SessionDescription {
                    kind: SdpType::Answer,
                    sdp: "v=0\r\n".into(),
                },
            },
            json!({"type": "answer", "roomId": ROOM, "answer": {"type": "answer", "sdp": "v=0\r\n"}}),
        ),
        (
            ClientMsg::IceCandidate {
                room_id: room(),
                candidate: candidate(),
            },
            json!({"type": "ice-candidate", "roomId": ROOM, "candidate": {
                "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
                "sdpMid": "0", "sdpMLineIndex": 0}}),
        ),
        (
            ClientMsg::ChatMessage {
                room_id: room(),
                message: "hi".into(),
            },
            json!({"type": "chat-message", "roomId": ROOM, "message": "hi"}),
        ),
        (
            ClientMsg::GameSelect {
                room_id: room(),
                game_type: GameType::TicTacToe,
            },
            json!({"type": "game-select", "roomId": ROOM, "gameType": "tic-tac-toe"}),
        ),
        (
            ClientMsg::GameMove {
                room_id: room(),
                game_type: GameType::TicTacToe,
                move_data: Move { cell: 4 },
            },
            json!({"type": "game-move", "roomId": ROOM, "gameType": "tic-tac-toe", "moveData": {"cell": 4}}),
        ),
        (
            ClientMsg::GameReset {
                room_id: room(),
                game_type: GameType::TicTacToe,
            },
            json!({"type": "game-reset", "roomId": ROOM, "gameType": "tic-tac-toe"}),
        ),
    ]
}

fn server_cases() -> Vec<(ServerMsg, Value)> {
    let peer = Peer {
        user_id: user(),
        name: "Ada".into(),
    };
    let fresh = GameState::new(GameType::TicTacToe);
    let fresh_json = json!({"gameType": "tic-tac-toe", "board": {
        "cells": [null, null, null, null, null, null, null, null, null], "next": "X", "outcome": null}});
    vec![
        (
            ServerMsg::PlayerAssign {
                room_id: room(),
                symbol: Symbol::X,
                is_player1: true,
                peer: None,
                game: None,
            },
            json!({"type": "player-assign", "roomId": ROOM, "symbol": "X", "isPlayer1": true}),
        ),
        (
            ServerMsg::PlayerAssign {
                room_id: room(),
                symbol: Symbol::O,
                is_player1: false,
                peer: Some(peer.clone()),
                game: Some(fresh.clone()),
            },
            json!({"type": "player-assign", "roomId": ROOM, "symbol": "O", "isPlayer1": false,
                   "peer": {"userId": USER, "name": "Ada"}, "game": fresh_json.clone()}),
        ),
        (
            ServerMsg::Ready {
                room_id: room(),
                peer: peer.clone(),
            },
            json!({"type": "ready", "roomId": ROOM, "peer": {"userId": USER, "name": "Ada"}}),
        ),
        (
            ServerMsg::Offer {
                room_id: room(),
                offer: offer(),
            },
            json!({"type": "offer", "roomId": ROOM, "offer": {"type": "offer", "sdp": "v=0\r\n"}}),
        ),
        (
            ServerMsg::Answer {
                room_id: room(),
                answer: offer(),
            },
            json!({"type": "answer", "roomId": ROOM, "answer": {"type": "offer", "sdp": "v=0\r\n"}}),
        ),
        (
            ServerMsg::IceCandidate {
                room_id: room(),
                candidate: IceCandidate {
                    candidate: String::new(),
                    sdp_mid: None,
                    sdp_m_line_index: None,
                    username_fragment: Some("abcd".into()),
                },
            },
            json!({"type": "ice-candidate", "roomId": ROOM, "candidate": {"candidate": "", "usernameFragment": "abcd"}}),
        ),
        (
            ServerMsg::RoomFull { room_id: room() },
            json!({"type": "room-full", "roomId": ROOM}),
        ),
        (
            ServerMsg::ChatMessage {
                room_id: room(),
                message: "<b>hi</b>".into(),
                sender: "Ada".into(),
                sender_id: user(),
                sent_at: 1_700_000_000_000,
            },
            json!({"type": "chat-message", "roomId": ROOM, "message": "<b>hi</b>", "sender": "Ada",
                   "senderId": USER, "sentAt": 1_700_000_000_000_i64}),
        ),
        (
            ServerMsg::GameSelect {
                room_id: room(),
                game_type: GameType::TicTacToe,
                state: fresh.clone(),
            },
            json!({"type": "game-select", "roomId": ROOM, "gameType": "tic-tac-toe", "state": fresh_json.clone()}),
        ),
        (
            ServerMsg::GameMove {
                room_id: room(),
                game_type: GameType::TicTacToe,
                move_data: Move { cell: 0 },
                symbol: Symbol::X,
                state: GameState::TicTacToe {
                    board: Board {
                        cells: [
                            Some(Symbol::X),
                            None,
                            None,
                            None,
                            None,
                            None,
                            None,
                            None,
                            None,
                        ],
                        next: Symbol::O,
                        outcome: Some(Outcome::Draw),
                    },
                },
            },
            json!({"type": "game-move", "roomId": ROOM, "gameType": "tic-tac-toe", "moveData": {"cell": 0},
                   "symbol": "X", "state": {"gameType": "tic-tac-toe", "board": {
                       "cells": ["X", null, null, null, null, null, null, null, null], "next": "O",
                       "outcome": {"kind": "draw"}}}}),
        ),
        (
            ServerMsg::GameReset {
                room_id: room(),
                game_type: GameType::TicTacToe,
                state: fresh,
            },
            json!({"type": "game-reset", "roomId": ROOM, "gameType": "tic-tac-toe", "state": fresh_json}),
        ),
        (
            ServerMsg::PeerLeft { room_id: room() },
            json!({"type": "peer-left", "roomId": ROOM}),
        ),
        (
            ServerMsg::error(ErrorCode::NotInRoom, "you are not in that room"),
            json!({"type": "error", "code": "not-in-room", "message": "you are not in that room"}),
        ),
    ]
}

#[test]
fn every_client_message_has_its_pinned_shape_and_round_trips() {
    let cases = client_cases();
    assert_eq!(
        cases.len(),
        ClientMsg::TYPES.len(),
        "one case per client type"
    );
    for (msg, expected) in cases {
        assert_eq!(serde_json::to_value(&msg).unwrap(), expected, "{msg:?}");
        let text = expected.to_string();
        assert_eq!(ClientMsg::decode(&text), Ok(msg.clone()));
        assert_eq!(msg.type_name(), expected["type"].as_str().unwrap());
    }
}

#[test]
fn every_server_message_has_its_pinned_shape_and_round_trips() {
    for (msg, expected) in server_cases() {
        assert_eq!(serde_json::to_value(&msg).unwrap(), expected, "{msg:?}");
        let back: ServerMsg = serde_json::from_value(expected).unwrap();
        assert_eq!(back, msg);
    }
}

#[test]
fn decode_tells_malformed_unknown_and_incomplete_apart() {
    let cases: [(&str, ErrorCode, &str); 7] = [
        ("not json", ErrorCode::BadMessage, "not valid JSON"),
        ("{\"roomId\": \"x\"}", ErrorCode::BadMessage, "no \"type\""),
        ("{\"type\": 7}", ErrorCode::BadMessage, "must be a string"),
        (
            "{\"type\": \"launch-missiles\"}",
            ErrorCode::UnknownType,
            "unknown message type",
        ),
        ("{\"type\": \"join-room\"}", ErrorCode::BadMessage, "roomId"),
        (
            "{\"type\": \"join-room\", \"roomId\": \"nope\"}",
            ErrorCode::BadMessage,
            "join-room",
        ),
        (
            "{\"type\": \"game-move\", \"roomId\": \"00000000-0000-0000-0000-000000001234\", \"gameType\": \"chess\", \"moveData\": {\"cell\": 1}}",
            ErrorCode::BadMessage,
            "chess",
        ),
    ];
    for (input, code, fragment) in cases {
        let err = ClientMsg::decode(input).expect_err(input);
        assert_eq!(err.code, code, "{input}");
        assert!(err.message.contains(fragment), "{input}: {}", err.message);
    }
}

#[test]
fn oversized_fields_are_refused_as_too_large() {
    let big_sdp = SessionDescription {
        kind: SdpType::Offer,
        sdp: "a".repeat(limits::MAX_SDP_BYTES + 1),
    };
    let long_chat = "é".repeat(limits::MAX_CHAT_CHARS + 1);
    let mut big_candidate = candidate();
    big_candidate.candidate = "c".repeat(limits::MAX_CANDIDATE_BYTES + 1);
    let msgs = [
        ClientMsg::Offer {
            room_id: room(),
            offer: big_sdp.clone(),
        },
        ClientMsg::Answer {
            room_id: room(),
            answer: big_sdp,
        },
        ClientMsg::ChatMessage {
            room_id: room(),
            message: long_chat,
        },
        ClientMsg::IceCandidate {
            room_id: room(),
            candidate: big_candidate,
        },
    ];
    for msg in msgs {
        let text = serde_json::to_string(&msg).unwrap();
        assert_eq!(
            ClientMsg::decode(&text).unwrap_err().code,
            ErrorCode::TooLarge
        );
    }
}

#[test]
fn limits_are_inclusive_and_count_characters_not_bytes() {
    let chat = ClientMsg::ChatMessage {
        room_id: room(),
        message: "é".repeat(limits::MAX_CHAT_CHARS),
    };
    assert_eq!(chat.validate(), Ok(()));
}

#[test]
fn blank_chat_is_refused() {
    let text = json!({"type": "chat-message", "roomId": ROOM, "message": "  \n "}).to_string();
    assert_eq!(
        ClientMsg::decode(&text).unwrap_err().code,
        ErrorCode::BadMessage
    );
}

#[test]
fn room_id_is_the_named_room_for_every_message() {
    for (msg, _) in client_cases() {
        assert_eq!(msg.room_id(), room());
    }
}

/// Values of another JSON type than `v`, including the array serde would take for a struct.
fn wrong_types(v: &Value) -> Vec<Value> {
    let as_array = match v {
        Value::Object(fields) => Value::Array(fields.values().cloned().collect()),
        other => json!([other]),
    };
    let other_scalar = if v.is_string() { json!(7) } else { json!("7") };
    vec![as_array, other_scalar, json!(true)]
}

#[test]
fn a_field_of_the_wrong_json_type_is_a_bad_message_every_time() {
    for (_, wire) in client_cases() {
        let fields = wire.as_object().unwrap();
        // The whole message as an array: serde takes `["join-room", id]` for the enum.
        let values: Vec<Value> = fields.values().cloned().collect();
        let text = Value::Array(values).to_string();
        assert_eq!(
            ClientMsg::decode(&text).map_err(|e| e.code),
            Err(ErrorCode::BadMessage),
            "{text}"
        );
        for (name, value) in fields.iter().filter(|(name, _)| *name != "type") {
            for wrong in wrong_types(value) {
                let mut msg = fields.clone();
                msg.insert(name.clone(), wrong);
                let text = Value::Object(msg).to_string();
                assert_eq!(
                    ClientMsg::decode(&text).map_err(|e| e.code),
                    Err(ErrorCode::BadMessage),
                    "{text}"
                );
            }
        }
    }
}

#[test]
fn the_cases_from_the_fuzzing_report_are_refused() {
    let r = ROOM;
    for text in [
        json!({"type": "game-move", "roomId": r, "gameType": "tic-tac-toe", "moveData": [4]}),
        json!({"type": "offer", "roomId": r, "offer": ["offer", "v=0"]}),
        json!({"type": "ice-candidate", "roomId": r, "candidate": ["candidate:1"]}),
        json!(["join-room", r]),
    ] {
        let err = ClientMsg::decode(&text.to_string()).expect_err("refused");
        assert_eq!(err.code, ErrorCode::BadMessage, "{text}");
    }
}

#[test]
fn the_protocol_document_lists_every_error_code_and_no_other() {
    // A new code must join `ErrorCode::ALL` (this match stops compiling until it does
    // not miss one), and then docs/protocol.md's table.
    for code in ErrorCode::ALL {
        match code {
            ErrorCode::BadMessage
            | ErrorCode::UnknownType
            | ErrorCode::BinaryNotSupported
            | ErrorCode::TooLarge
            | ErrorCode::NotInRoom
            | ErrorCode::AlreadyInRoom
            | ErrorCode::RoomNotFound
            | ErrorCode::RateLimited
            | ErrorCode::TooManyCandidates
            | ErrorCode::Replaced
            | ErrorCode::NotAGameRoom
            | ErrorCode::NoGame
            | ErrorCode::WrongGame
            | ErrorCode::IllegalMove
            | ErrorCode::NotYourTurn
            | ErrorCode::Internal => {}
        }
    }
    let doc = include_str!("../../../docs/protocol.md");
    let table = doc
        .split("## Errors and limits")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").nth(1))
        .expect("docs/protocol.md has an error table");
    let mut documented: Vec<String> = table
        .lines()
        .filter_map(|row| row.strip_prefix("| "))
        .filter_map(|row| row.split(" |").next())
        .flat_map(|cell| cell.split(", "))
        .filter_map(|code| code.strip_prefix('`')?.strip_suffix('`'))
        .map(str::to_owned)
        .collect();
    documented.sort();
    let mut sent: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| {
            serde_json::to_value(c)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    sent.sort();
    sent.dedup();
    assert_eq!(sent.len(), ErrorCode::ALL.len(), "ALL names each code once");
    assert_eq!(documented, sent);
}
