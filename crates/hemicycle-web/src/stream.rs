//! The live stream: Server-Sent Events at `/api/live`.
//!
//! A new subscriber gets a `snapshot` event, then an `update` for every change.
//! Each subscriber reads from one bounded broadcast queue at its own pace; one
//! that falls more than [`crate::server::LIVE_QUEUE_MESSAGES`] behind is sent a
//! fresh `snapshot` instead of what it missed, so a slow viewer costs the
//! chamber nothing and still ends up right.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State as AxumState;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use axum::http::header;

use crate::server::{AppState, LiveMessage, LiveSubscription, PublishedSnapshot};

/// Sent as an SSE comment when nothing else was, so proxies keep the connection.
const KEEP_ALIVE_SECONDS: u64 = 15;

pub async fn live(AxumState(shared): AxumState<AppState>) -> Response {
    match shared.subscribe() {
        Ok(subscription) => Sse::new(events(subscription))
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(KEEP_ALIVE_SECONDS)))
            .into_response(),
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

fn snapshot_event(published: &PublishedSnapshot) -> Event {
    Event::default()
        .event("snapshot")
        .id(published.snapshot.sequence.to_string())
        .data(&*published.json)
}

enum Phase {
    Start(LiveSubscription),
    Running(LiveSubscription, u64),
}

fn events(subscription: LiveSubscription) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(Phase::Start(subscription), |phase| async move {
        match phase {
            Phase::Start(subscription) => {
                let sequence = subscription.snapshot.snapshot.sequence;
                let event = snapshot_event(&subscription.snapshot);
                Some((Ok(event), Phase::Running(subscription, sequence)))
            }
            Phase::Running(mut subscription, sent_up_to) => loop {
                if *subscription.closing.borrow() {
                    return None;
                }
                let received = tokio::select! {
                    received = subscription.receiver.recv() => received,
                    _ = subscription.closing.changed() => return None,
                };
                match received {
                    Ok(LiveMessage::Update { sequence, json }) => {
                        // Updates the subscriber's snapshot already holds are skipped.
                        if sequence <= sent_up_to {
                            continue;
                        }
                        let event = Event::default()
                            .event("update")
                            .id(sequence.to_string())
                            .data(&*json);
                        return Some((Ok(event), Phase::Running(subscription, sequence)));
                    }
                    Err(RecvError::Lagged(_)) => {
                        let latest = subscription.latest();
                        let sequence = latest.snapshot.sequence;
                        let event = snapshot_event(&latest);
                        return Some((Ok(event), Phase::Running(subscription, sequence)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            },
        }
    })
}
