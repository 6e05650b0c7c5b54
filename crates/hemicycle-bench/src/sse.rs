//! An incremental reader of Server-Sent Events (the `text/event-stream` format of
//! the HTML standard), fed with the body's chunks as they arrive.
//!
//! It keeps only what the load generator needs: each event's type, id and data.
//! An event larger than the reader's limit is an error rather than a buffer that
//! grows without end.

/// The line buffer kept between lines; a longer one is given back.
const LINE_CAPACITY_KEPT_BYTES: usize = 16 * 1024;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; `message` when the server sent none.
    pub event_type: String,
    /// The last `id:` field seen (the standard keeps it across events).
    pub id: Option<String>,
    /// The `data:` lines joined by line feeds.
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("an event of the live stream is longer than the limit of {limit_bytes} bytes")]
    EventTooLarge { limit_bytes: usize },
    #[error("the live stream sent a line that is not UTF-8")]
    NotUtf8,
}

/// Reads events out of a byte stream. Lines may end in LF, CRLF or CR, and a chunk
/// may end anywhere, even between the CR and LF of one line ending.
#[derive(Debug)]
pub struct SseReader {
    line: Vec<u8>,
    event_type: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    /// The previous chunk ended in CR: a LF opening the next one ends nothing.
    after_carriage_return: bool,
    event_bytes: usize,
    limit_bytes: usize,
}

impl SseReader {
    /// A reader that refuses any line or event over `limit_bytes`.
    pub fn new(limit_bytes: usize) -> SseReader {
        assert!(limit_bytes > 0, "an event limit of 0 bytes admits nothing");
        SseReader {
            line: Vec::new(),
            event_type: String::new(),
            data: String::new(),
            has_data: false,
            last_id: None,
            after_carriage_return: false,
            event_bytes: 0,
            limit_bytes,
        }
    }

    /// Reads `chunk`, calling `on_event` for every event it completes.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        mut on_event: impl FnMut(SseEvent),
    ) -> Result<(), SseError> {
        let mut start = 0;
        for (index, byte) in chunk.iter().enumerate() {
            match byte {
                b'\n' if self.after_carriage_return && index == start && self.line.is_empty() => {
                    // The LF of a CRLF split across chunks, or right after the CR.
                    self.after_carriage_return = false;
                    start = index + 1;
                }
                b'\n' | b'\r' => {
                    self.take(&chunk[start..index])?;
                    self.after_carriage_return = *byte == b'\r';
                    start = index + 1;
                    let mut line = std::mem::take(&mut self.line);
                    let finished = self.line_ended(&line)?;
                    // A snapshot's line is large; ten thousand readers must not each
                    // keep that much for the small updates that follow.
                    if line.capacity() <= LINE_CAPACITY_KEPT_BYTES {
                        line.clear();
                        self.line = line;
                    }
                    if let Some(event) = finished {
                        on_event(event);
                    }
                }
                _ => {
                    self.after_carriage_return = false;
                }
            }
        }
        self.take(&chunk[start..])
    }

    fn take(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        self.event_bytes += bytes.len();
        if self.event_bytes > self.limit_bytes {
            return Err(SseError::EventTooLarge {
                limit_bytes: self.limit_bytes,
            });
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    /// Interprets one whole line; a blank line completes the event, if it has data.
    fn line_ended(&mut self, line: &[u8]) -> Result<Option<SseEvent>, SseError> {
        if line.is_empty() {
            self.event_bytes = 0;
            let event_type = std::mem::take(&mut self.event_type);
            let data = std::mem::take(&mut self.data);
            if !std::mem::take(&mut self.has_data) {
                // The standard drops an event without data.
                return Ok(None);
            }
            return Ok(Some(SseEvent {
                event_type: if event_type.is_empty() {
                    "message".to_owned()
                } else {
                    event_type
                },
                id: self.last_id.clone(),
                data,
            }));
        }
        if line[0] == b':' {
            // A comment: the server's keep-alive.
            return Ok(None);
        }
        let line = std::str::from_utf8(line).map_err(|_| SseError::NotUtf8)?;
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => value.clone_into(&mut self.event_type),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            // An id with a NUL is ignored, as the standard says.
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            // `retry` and unknown fields do not concern a load generator.
            _ => {}
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut reader = SseReader::new(1024);
        let mut events = Vec::new();
        for chunk in chunks {
            reader
                .feed(chunk, |event| events.push(event))
                .expect("a well-formed stream");
        }
        events
    }

    #[test]
    fn events_carry_type_id_and_joined_data() {
        let events = read_all(&[b"event: snapshot\nid: 7\ndata: {\"a\":\ndata: 1}\n\n"]);
        assert_eq!(
            events,
            vec![SseEvent {
                event_type: "snapshot".to_owned(),
                id: Some("7".to_owned()),
                data: "{\"a\":\n1}".to_owned(),
            }]
        );
    }

    #[test]
    fn comments_and_events_without_data_are_not_events() {
        let events = read_all(&[b": keep-alive\n\nevent: update\n\ndata:x\n\n"]);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event_type, "message");
        assert_eq!(events[0].data, "x");
    }

    #[test]
    fn chunks_may_split_anywhere_including_a_crlf() {
        let whole: &[u8] = b"event: update\r\nid: 3\r\ndata: hello\r\n\r\nevent: b\rdata: 2\r\r";
        let expected = read_all(&[whole]);
        assert_eq!(expected.len(), 2);
        assert_eq!(expected[0].data, "hello");
        assert_eq!(expected[1].event_type, "b");
        assert_eq!(expected[1].id, Some("3".to_owned()), "the id is kept");
        for split in 0..whole.len() {
            let (first, second) = whole.split_at(split);
            assert_eq!(read_all(&[first, second]), expected, "split at {split}");
        }
        let bytes: Vec<&[u8]> = whole.chunks(1).collect();
        assert_eq!(read_all(&bytes), expected, "one byte at a time");
    }

    #[test]
    fn an_event_over_the_limit_is_an_error() {
        let mut reader = SseReader::new(16);
        let error = reader
            .feed(b"data: 0123456789abcdef\n", |_| {})
            .unwrap_err();
        assert_eq!(error, SseError::EventTooLarge { limit_bytes: 16 });
        // The limit is per event: many small events pass.
        let mut reader = SseReader::new(16);
        let mut count = 0;
        for _ in 0..100 {
            reader.feed(b"data: 12345\n\n", |_| count += 1).unwrap();
        }
        assert_eq!(count, 100);
    }

    #[test]
    fn a_large_event_leaves_no_large_buffer_behind() {
        let mut reader = SseReader::new(1 << 20);
        let big = format!("data: {}\n\n", "x".repeat(200_000));
        let mut sizes = Vec::new();
        reader
            .feed(big.as_bytes(), |event| sizes.push(event.data.len()))
            .unwrap();
        assert_eq!(sizes, vec![200_000]);
        assert!(reader.line.capacity() <= LINE_CAPACITY_KEPT_BYTES);
        assert_eq!(reader.data.capacity(), 0);
    }

    #[test]
    fn a_line_that_is_not_utf8_is_an_error() {
        let mut reader = SseReader::new(64);
        assert_eq!(
            reader.feed(b"data: \xff\n", |_| {}).unwrap_err(),
            SseError::NotUtf8
        );
    }
}
