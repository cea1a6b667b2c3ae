//! Property tests: decoding never panics, whatever arrives, and every valid message
//! survives a round trip.

use super::*;
use proptest::prelude::*;
use uuid::Uuid;

fn any_client_msg() -> impl Strategy<Value = ClientMsg> {
    let room = any::<u128>().prop_map(|n| RoomId(Uuid::from_u128(n)));
    let text = ".{0,40}";
    prop_oneof![
        room.clone()
            .prop_map(|room_id| ClientMsg::JoinRoom { room_id }),
        room.clone()
            .prop_map(|room_id| ClientMsg::LeaveRoom { room_id }),
        (room.clone(), text).prop_map(|(room_id, sdp)| ClientMsg::Offer {
            room_id,
            offer: SessionDescription {
                kind: SdpType::Offer,
                sdp
            }
        }),
        (room.clone(), text, proptest::option::of(0u16..4)).prop_map(|(room_id, c, line)| {
            ClientMsg::IceCandidate {
                room_id,
                candidate: IceCandidate {
                    candidate: c,
                    sdp_mid: line.map(|l| l.to_string()),
                    sdp_m_line_index: line,
                    username_fragment: None,
                },
            }
        }),
        (room.clone(), "[^\\s].{0,40}")
            .prop_map(|(room_id, message)| ClientMsg::ChatMessage { room_id, message }),
        (room, any::<u8>()).prop_map(|(room_id, cell)| ClientMsg::GameMove {
            room_id,
            game_type: GameType::TicTacToe,
            move_data: Move { cell }
        }),
    ]
}

proptest! {

    #[test]
    fn decoding_arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = ClientMsg::decode(&text);
    }

    #[test]
    fn decoding_json_shaped_noise_never_panics(
        t in prop_oneof![Just("join-room".to_owned()), Just("offer".to_owned()), Just("game-move".to_owned()), ".{0,12}"],
        field in "[a-zA-Z]{0,10}",
        value in prop_oneof![Just("null".to_owned()), Just("1e999".to_owned()), Just("[]".to_owned()), Just("{}".to_owned()), "\"[^\"\\\\]{0,20}\"", "-?[0-9]{1,30}"],
    ) {
        let text = format!("{{\"type\": {}, \"roomId\": {value}, \"{field}\": {value}}}", serde_json::Value::String(t));
        if let Err(e) = ClientMsg::decode(&text) {
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn valid_messages_round_trip(msg in any_client_msg()) {
        let text = serde_json::to_string(&msg).unwrap();
        prop_assert_eq!(ClientMsg::decode(&text), Ok(msg));
    }
}
