//! Strict decoding: serde's derived struct decoding also takes a JSON array of the fields
//! in order (`"moveData": [4]`), which the protocol does not allow. Every struct-valued
//! field of a [`super::ClientMsg`] goes through [`object`], so only a JSON object decodes.

use serde::de::{Deserialize, Deserializer, Error};

/// Decodes `T` from a JSON object only; an array (or any other type) is an error.
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
    T::deserialize(serde_json::Value::Object(map)).map_err(D::Error::custom)
}
