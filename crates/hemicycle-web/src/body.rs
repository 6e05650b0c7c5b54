//! Reading JSON request bodies with errors that say what and where: a syntax
//! error gives the line and column (400), a wrong field gives its JSON path (422).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest request body the API reads. Commands are small; the largest is
/// a roster change or standing orders, far below this.
pub const MAX_REQUEST_BODY_BYTES: usize = 64 * 1024;

/// Turns the body extractor's own failure (too large, unreadable) into our error body.
pub fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        let status = rejection.status();
        if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                "payload_too_large",
                format!(
                    "the request body is larger than the limit of {MAX_REQUEST_BODY_BYTES} bytes"
                ),
            )
        } else {
            ApiError::bad_request(format!("the request body could not be read: {rejection}"))
        }
    })
}

/// Parses a body as a JSON value; only syntax is checked here.
pub fn json_value(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "the request body is empty; a JSON object is expected",
        ));
    }
    serde_json::from_slice(bytes).map_err(|error| {
        ApiError::bad_request(format!(
            "the request body is not valid JSON: {error} (line {}, column {})",
            error.line(),
            error.column()
        ))
    })
}

/// Reads a JSON value as `T`, naming the path of the first wrong field.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if path.is_empty() || path == "." {
            ApiError::invalid(format!("request body: {inner}"))
        } else {
            ApiError::invalid(format!("request body, at {path}: {inner}"))
        }
    })
}

/// Parses a whole body as `T`.
pub fn parse<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body_bytes(body)?;
    from_value(json_value(&bytes)?)
}

/// A path parameter whose rejection (say, bytes that are not UTF-8) is our
/// JSON error body rather than axum's plain text.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        ApiError::bad_request(format!(
            "the address is malformed: {}",
            rejection.body_text()
        ))
    }
}
