//! Accounts, rooms and the ICE configuration through [`Client`], refusals included.

use crate::{app, person, room};
use duet_client::api::RoomFilter;
use duet_client::{ApiCode, Client, Error};

#[tokio::test]
async fn sign_up_sign_out_and_sign_in_again() {
    let app = app().await;
    let mut ada = person(&app, "Ada").await;
    let me = ada.profile().await.unwrap();
    assert_eq!(me.name, "Ada");

    ada.sign_out().await.unwrap();
    assert_eq!(ada.token(), None);
    assert!(matches!(ada.profile().await, Err(Error::NotSignedIn)));

    let wrong = ada
        .sign_in(&me.email, "not the password")
        .await
        .unwrap_err();
    assert!(
        matches!(
            wrong,
            Error::Api {
                status: 401,
                code: ApiCode::InvalidCredentials,
                ..
            }
        ),
        "{wrong:?}"
    );
    let again = ada
        .sign_in(&me.email, "correct horse battery")
        .await
        .unwrap();
    assert_eq!(again.id, me.id);
    assert!(ada.token().is_some());
}

#[tokio::test]
async fn refusals_carry_the_servers_code() {
    let app = app().await;
    let ada = person(&app, "Ada").await;
    let email = ada.profile().await.unwrap().email;

    let mut again = Client::new(&app.address).unwrap();
    let taken = again
        .sign_up("Ada", &email.to_uppercase(), "correct horse battery")
        .await
        .unwrap_err();
    assert!(matches!(
        taken,
        Error::Api {
            status: 409,
            code: ApiCode::EmailTaken,
            ..
        }
    ));

    let short = again
        .sign_up("Bo", "bo@example.com", "short")
        .await
        .unwrap_err();
    match short {
        Error::Api {
            status: 400,
            code: ApiCode::InvalidInput,
            field,
            ..
        } => {
            assert_eq!(field.as_deref(), Some("password"));
        }
        other => panic!("{other:?}"),
    }

    let forged = Client::new(&app.address).unwrap().with_token("not.a.token");
    let refused = forged.rooms(&RoomFilter::default()).await.unwrap_err();
    assert!(refused.is_unauthenticated(), "{refused:?}");
    assert!(matches!(
        refused,
        Error::Api {
            code: ApiCode::Unauthenticated,
            ..
        }
    ));
    // The socket's upgrade is refused the same way.
    let upgrade = forged.signaling().await.err().expect("refused");
    assert!(
        matches!(upgrade, Error::Api { status: 401, .. }),
        "{upgrade:?}"
    );
}

#[tokio::test]
async fn rooms_are_made_listed_joined_and_deleted() {
    let app = app().await;
    let ada = person(&app, "Ada").await;
    let bo = person(&app, "Bo").await;
    let made = room(&ada, "Pairing on the parser").await;
    assert_eq!(made.occupants, 0);

    let listed = bo
        .rooms(&RoomFilter {
            room_type: None,
            q: Some("PARSER".into()),
        })
        .await
        .unwrap();
    assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), [made.id]);
    assert_eq!(listed[0].created_by.name, "Ada");
    assert_eq!(bo.room(made.id).await.unwrap().name, made.name);
    assert_eq!(bo.join_room(made.id).await.unwrap().id, made.id);

    let forbidden = bo.delete_room(made.id).await.unwrap_err();
    assert!(matches!(
        forbidden,
        Error::Api {
            status: 403,
            code: ApiCode::Forbidden,
            ..
        }
    ));
    ada.delete_room(made.id).await.unwrap();
    let gone = bo.room(made.id).await.unwrap_err();
    assert!(matches!(
        gone,
        Error::Api {
            status: 404,
            code: ApiCode::NotFound,
            ..
        }
    ));
}

#[tokio::test]
async fn the_ice_configuration_comes_with_the_session() {
    let app = app().await;
    let ada = person(&app, "Ada").await;
    let ice = ada.ice_config().await.unwrap();
    assert!(
        ice.ice_servers
            .iter()
            .any(|s| s.urls.iter().any(|u| u == "stun:stun.duet.test:3478")),
        "{ice:?}"
    );
    let anonymous = Client::new(&app.address).unwrap();
    assert!(matches!(
        anonymous.ice_config().await,
        Err(Error::NotSignedIn)
    ));
}
