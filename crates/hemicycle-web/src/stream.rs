//! The live stream: Server-Sent Events at `/api/live`.
//!
//! A new subscriber gets a `snapshot` event, then an `update` for every change.
//! Each subscriber reads from one bounded broadcast queue at its own pace; one
//! that falls more than [`crate::server::LIVE_QUEUE_MESSAGES`] behind is sent a
//! fresh `snapshot` instead of what it missed, so a slow viewer costs the
//! chamber nothing and still ends up right.
//!
//! Every event is framed once, when it is published, and the same bytes are
//! written to every subscriber: with ten thousand viewers, encoding an update
//! per viewer would cost more than everything else the server does.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use crate::server::{AppState, LiveMessage, LiveSubscription};

/// Sent as an SSE comment when nothing else was, so proxies keep the connection.
const KEEP_ALIVE_SECONDS: u64 = 15;

/// The keep-alive frame: an SSE comment.
const KEEP_ALIVE_FRAME: &[u8] = b":\n\n";

/// One SSE event's bytes: `event`, `id` and one `data` line (the JSON has no
/// line breaks: serde_json escapes them inside strings).
pub fn frame(event: &str, id: u64, json: &str) -> Bytes {
    debug_assert!(!json.contains('\n'), "compact JSON is one line");
    let mut frame = Vec::with_capacity(json.len() + event.len() + 32);
    frame.extend_from_slice(b"event: ");
    frame.extend_from_slice(event.as_bytes());
    frame.extend_from_slice(b"\nid: ");
    frame.extend_from_slice(id.to_string().as_bytes());
    frame.extend_from_slice(b"\ndata: ");
    frame.extend_from_slice(json.as_bytes());
    frame.extend_from_slice(b"\n\n");
    Bytes::from(frame)
}

pub async fn live(AxumState(shared): AxumState<AppState>) -> Response {
    match shared.subscribe() {
        Ok(subscription) => {
            let mut response = Body::from_stream(events(subscription)).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => error.into_response(),
    }
}

pub async fn live_snapshot(AxumState(shared): AxumState<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        shared.latest_snapshot_json().to_string(),
    )
        .into_response()
}

enum Phase {
    Start(LiveSubscription),
    Running(LiveSubscription, u64),
}

fn events(subscription: LiveSubscription) -> impl Stream<Item = Result<Bytes, Infallible>> {
    stream::unfold(Phase::Start(subscription), |phase| async move {
        match phase {
            Phase::Start(subscription) => {
                let sequence = subscription.snapshot.snapshot.sequence;
                let frame = subscription.snapshot.frame.clone();
                Some((Ok(frame), Phase::Running(subscription, sequence)))
            }
            Phase::Running(mut subscription, sent_up_to) => loop {
                if *subscription.closing.borrow() {
                    return None;
                }
                let received = tokio::select! {
                    received = subscription.receiver.recv() => received,
                    _ = subscription.closing.changed() => return None,
                    _ = tokio::time::sleep(Duration::from_secs(KEEP_ALIVE_SECONDS)) => {
                        let keep_alive = Bytes::from_static(KEEP_ALIVE_FRAME);
                        return Some((Ok(keep_alive), Phase::Running(subscription, sent_up_to)));
                    }
                };
                match received {
                    Ok(LiveMessage::Update { sequence, frame }) => {
                        // Updates the subscriber's snapshot already holds are skipped.
                        if sequence <= sent_up_to {
                            continue;
                        }
                        return Some((Ok(frame), Phase::Running(subscription, sequence)));
                    }
                    Err(RecvError::Lagged(_)) => {
                        let latest = subscription.latest();
                        let sequence = latest.snapshot.sequence;
                        return Some((Ok(latest.frame), Phase::Running(subscription, sequence)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_one_event_each() {
        let frame = frame(
            "update",
            42,
            r#"{"a":"b\nc"}"#.replace('\n', "\\n").as_str(),
        );
        assert_eq!(
            &frame[..],
            b"event: update\nid: 42\ndata: {\"a\":\"b\\nc\"}\n\n"
        );
    }
}
