//! A gallery viewer: one connection to the live stream (`/api/live`), read to the
//! moment the division under test shows its outcome.
//!
//! Every event's framing is read; an event's JSON is parsed only when it may hold
//! what the viewer waits for (the first snapshot, and any message naming the
//! division with an outcome), so that ten thousand viewers cost the machine little
//! beside the server they are measuring.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use http_body_util::BodyExt;
use hyper::Method;
use serde::Deserialize;
use tokio::sync::{watch, Semaphore};

use crate::http::{Connection, RequestError};
use crate::sse::{SseEvent, SseReader};

/// The largest live event a viewer accepts (a snapshot of 100,000 seats is
/// about 3 MB).
pub const LIVE_EVENT_BYTES_MAX: usize = 32 * 1024 * 1024;

/// Counters the run watches while viewers work.
#[derive(Debug, Default)]
pub struct ViewerProgress {
    /// Viewers that received their first snapshot.
    pub connected: AtomicUsize,
    /// Viewers that saw the division's outcome.
    pub saw_outcome: AtomicUsize,
    /// Viewers that stopped on an error.
    pub failed: AtomicUsize,
}

/// What one viewer saw.
#[derive(Debug, Default)]
pub struct ViewerResult {
    pub connected: bool,
    pub outcome_seen_at: Option<Instant>,
    pub verdict: Option<String>,
    /// Snapshots after the first: the server's way of catching up a viewer that
    /// fell behind its queue.
    pub resyncs: u64,
    pub events: u64,
    pub bytes: u64,
    /// The kind and text of the error that stopped the viewer, if one did.
    pub error: Option<(String, String)>,
}

/// What a viewer needs to know.
#[derive(Debug, Clone)]
pub struct ViewerPlan {
    pub address: SocketAddr,
    /// The division whose outcome the viewer waits for.
    pub division: Arc<str>,
    /// Shared by all viewers: held from connecting until the first snapshot, so
    /// that connections are opened a bounded number at a time.
    pub connecting: Arc<Semaphore>,
    pub progress: Arc<ViewerProgress>,
}

#[derive(Deserialize)]
struct FirstSnapshot {
    sequence: u64,
}

#[derive(Deserialize)]
struct LiveMessage {
    division: Option<LiveDivision>,
}

#[derive(Deserialize)]
struct LiveDivision {
    id: String,
    outcome: Option<LiveOutcome>,
}

#[derive(Deserialize)]
struct LiveOutcome {
    verdict: String,
}

/// Whether `data` may carry the outcome of `division`: a cheap test before parsing.
fn may_carry_outcome(data: &str, division_marker: &str) -> bool {
    data.contains(division_marker) && data.contains("\"outcome\":{")
}

/// The verdict of `division`, if this live message shows its outcome.
fn outcome_of(data: &str, division: &str) -> Result<Option<String>, serde_json::Error> {
    let message: LiveMessage = serde_json::from_str(data)?;
    Ok(message
        .division
        .filter(|shown| shown.id == division)
        .and_then(|shown| shown.outcome)
        .map(|outcome| outcome.verdict))
}

enum Step {
    Continue,
    Done,
}

struct Watcher {
    plan: ViewerPlan,
    division_marker: String,
    result: ViewerResult,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Watcher {
    fn fail(&mut self, kind: &str, message: String) {
        self.result.error = Some((kind.to_owned(), message));
        self.plan.progress.failed.fetch_add(1, Ordering::SeqCst);
    }

    fn handle(&mut self, event: &SseEvent, received_at: Instant) -> Step {
        self.result.events += 1;
        if event.event_type == "snapshot" {
            if self.result.connected {
                self.result.resyncs += 1;
            } else {
                match serde_json::from_str::<FirstSnapshot>(&event.data) {
                    // The chamber exists, so the snapshot reflects some event.
                    Ok(snapshot) if snapshot.sequence > 0 => {}
                    Ok(_) => {
                        self.fail(
                            "viewer_bad_snapshot",
                            "the first snapshot reflects no event (sequence 0)".to_owned(),
                        );
                        return Step::Done;
                    }
                    Err(error) => {
                        self.fail("viewer_bad_snapshot", error.to_string());
                        return Step::Done;
                    }
                }
                self.result.connected = true;
                self.permit = None;
                self.plan.progress.connected.fetch_add(1, Ordering::SeqCst);
            }
        } else if event.event_type == "resync" {
            self.result.resyncs += 1;
        }
        if !may_carry_outcome(&event.data, &self.division_marker) {
            return Step::Continue;
        }
        match outcome_of(&event.data, &self.plan.division) {
            Ok(Some(verdict)) => {
                self.result.outcome_seen_at = Some(received_at);
                self.result.verdict = Some(verdict);
                self.plan
                    .progress
                    .saw_outcome
                    .fetch_add(1, Ordering::SeqCst);
                Step::Done
            }
            Ok(None) => Step::Continue,
            Err(error) => {
                self.fail(
                    "viewer_bad_message",
                    format!("a {} event: {error}", event.event_type),
                );
                Step::Done
            }
        }
    }
}

/// Watches the live stream until the division's outcome arrives, the stream fails,
/// or `stop` turns true.
pub async fn watch(plan: ViewerPlan, mut stop: watch::Receiver<bool>) -> ViewerResult {
    let permit = plan.connecting.clone().acquire_owned().await.ok();
    let division_marker = format!("\"id\":\"{}\"", plan.division);
    let mut watcher = Watcher {
        plan,
        division_marker,
        result: ViewerResult::default(),
        permit,
    };
    if *stop.borrow() {
        return watcher.result;
    }
    let opened = tokio::select! {
        opened = open_stream(watcher.plan.address) => opened,
        _ = stop.changed() => return watcher.result,
    };
    let mut body = match opened {
        Ok(body) => body,
        Err(error) => {
            watcher.fail(&format!("viewer_{}", error.kind()), error.to_string());
            return watcher.result;
        }
    };
    let mut reader = SseReader::new(LIVE_EVENT_BYTES_MAX);
    let mut events = Vec::new();
    loop {
        let frame = tokio::select! {
            frame = body.frame() => frame,
            _ = stop.changed() => return watcher.result,
        };
        let received_at = Instant::now();
        let frame = match frame {
            None => {
                watcher.fail(
                    "viewer_stream_ended",
                    "the server ended the live stream".to_owned(),
                );
                return watcher.result;
            }
            Some(Err(error)) => {
                watcher.fail("viewer_http", error.to_string());
                return watcher.result;
            }
            Some(Ok(frame)) => frame,
        };
        let Some(data) = frame.data_ref() else {
            continue;
        };
        watcher.result.bytes += data.len() as u64;
        if let Err(error) = reader.feed(data, |event| events.push(event)) {
            watcher.fail("viewer_bad_stream", error.to_string());
            return watcher.result;
        }
        for event in events.drain(..) {
            if let Step::Done = watcher.handle(&event, received_at) {
                return watcher.result;
            }
        }
    }
}

async fn open_stream(address: SocketAddr) -> Result<hyper::body::Incoming, RequestError> {
    let mut connection = Connection::open(address).await?;
    let response = connection
        .start(Method::GET, "/api/live", None, None)
        .await?;
    let status = response.status();
    if !status.is_success() {
        // The refusal's body is small JSON; `send` would have read it, but the
        // stream was started by hand, so name the status alone.
        return Err(RequestError::Refused {
            method: Method::GET,
            path: "/api/live".to_owned(),
            status,
            code: "refused".to_owned(),
            message: format!("the live stream answered {status}"),
        });
    }
    let content_type = response
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/event-stream") {
        return Err(RequestError::UnexpectedReply {
            what: "the event-stream content type",
            detail: format!("the live stream's content type is \"{content_type}\""),
        });
    }
    Ok(response.into_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOSED: &str = r#"{"sequence":9,"sitting":null,"division":{"id":"d-1","sitting":"s","title":"T","motion":"m","method":"recorded","open":false,"tally":{"yes":2,"no":1,"abstain":0,"candidates":{}},"taking_part":3,"ballot_changes_allowed":false,"closes_at":null,"outcome":{"verdict":"adopted","explanation":"…"}},"seats":{}}"#;
    const OPEN: &str = r#"{"sequence":8,"sitting":null,"division":{"id":"d-1","open":true,"outcome":null},"seats":{"m1":"yes"}}"#;

    #[test]
    fn the_outcome_is_found_only_for_the_division_waited_for() {
        let marker = "\"id\":\"d-1\"";
        assert!(may_carry_outcome(CLOSED, marker));
        assert_eq!(
            outcome_of(CLOSED, "d-1").unwrap(),
            Some("adopted".to_owned())
        );
        assert!(!may_carry_outcome(OPEN, marker));
        assert_eq!(outcome_of(OPEN, "d-1").unwrap(), None);
        // Another division's outcome is not this one's.
        assert!(!may_carry_outcome(CLOSED, "\"id\":\"d-2\""));
        assert_eq!(outcome_of(CLOSED, "d-2").unwrap(), None);
    }

    #[test]
    fn a_message_that_is_not_the_live_shape_is_an_error() {
        assert!(outcome_of("{\"division\":7}", "d-1").is_err());
        assert!(outcome_of("not json", "d-1").is_err());
    }
}
