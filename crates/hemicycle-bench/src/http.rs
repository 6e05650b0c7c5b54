//! A small HTTP/1.1 client: one keep-alive connection per worker or viewer, so
//! that the number of requests in flight is exactly the number of connections.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

/// The largest reply body read whole (a division with every ballot is the largest,
/// about 40 bytes a member).
pub const REPLY_BYTES_MAX: usize = 16 * 1024 * 1024;

/// The most a connection buffers from the socket at once. Ten thousand viewers
/// each receiving a large snapshot at the same moment would otherwise each hold
/// hyper's default of about 400 KiB.
const READ_BUFFER_BYTES_MAX: usize = 64 * 1024;

/// What went wrong with one request.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("connecting to {address}: {source}")]
    Connect {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("the reply body is longer than {limit_bytes} bytes")]
    ReplyTooLarge { limit_bytes: usize },
    #[error("building the request: {0}")]
    Request(#[from] hyper::http::Error),
    #[error("{method} {path} answered {status} {code}: {message}")]
    Refused {
        method: Method,
        path: String,
        status: StatusCode,
        code: String,
        message: String,
    },
    #[error("{what} is missing from the reply: {detail}")]
    UnexpectedReply { what: &'static str, detail: String },
    #[error("no answer before the phase's deadline")]
    Deadline,
}

impl RequestError {
    /// A short name for counting errors by kind: `connect`, `http`, `status_409_conflict`…
    pub fn kind(&self) -> String {
        match self {
            RequestError::Connect { .. } => "connect".to_owned(),
            RequestError::Http(_) => "http".to_owned(),
            RequestError::ReplyTooLarge { .. } => "reply_too_large".to_owned(),
            RequestError::Request(_) => "bad_request_built".to_owned(),
            RequestError::Refused { status, code, .. } => {
                format!("status_{}_{code}", status.as_u16())
            }
            RequestError::UnexpectedReply { .. } => "unexpected_reply".to_owned(),
            RequestError::Deadline => "deadline".to_owned(),
        }
    }

    /// Whether the connection is still usable after this error.
    pub fn connection_is_usable(&self) -> bool {
        matches!(
            self,
            RequestError::Refused { .. } | RequestError::UnexpectedReply { .. }
        )
    }
}

/// A whole reply.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    /// The `hemicycle_auth=TOKEN` pair of a `Set-Cookie` header, if the reply set one.
    pub auth_cookie: Option<String>,
    pub body: Bytes,
}

/// One open connection to the server.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    host: HeaderValue,
}

/// The `Host` header for `address`.
fn host_header(address: SocketAddr) -> HeaderValue {
    HeaderValue::from_str(&address.to_string()).unwrap_or(HeaderValue::from_static("127.0.0.1"))
}

impl Connection {
    /// Connects and shakes hands; the connection's I/O runs on a task of its own.
    pub async fn open(address: SocketAddr) -> Result<Connection, RequestError> {
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .map_err(|source| RequestError::Connect { address, source })?;
        // Requests are small and answers awaited one at a time: send at once.
        stream
            .set_nodelay(true)
            .map_err(|source| RequestError::Connect { address, source })?;
        let (sender, connection) = http1::Builder::new()
            .max_buf_size(READ_BUFFER_BYTES_MAX)
            .handshake(TokioIo::new(stream))
            .await?;
        tokio::spawn(async move {
            // An error here surfaces on the next request as a closed channel.
            let _ = connection.await;
        });
        Ok(Connection {
            sender,
            host: host_header(address),
        })
    }

    /// Sends a request and returns the response with its body still to read.
    pub async fn start(
        &mut self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<Bytes>,
    ) -> Result<Response<Incoming>, RequestError> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.host.clone());
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(body))?,
            None => request.body(Full::new(Bytes::new()))?,
        };
        self.sender.ready().await?;
        Ok(self.sender.send_request(request).await?)
    }

    /// Sends a request and reads the whole reply; a status other than 2xx is an error
    /// carrying the API's error code and message.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<Bytes>,
    ) -> Result<Reply, RequestError> {
        let response = self.start(method.clone(), path, cookie, body).await?;
        let status = response.status();
        let auth_cookie = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| value.split(';').next())
            .map(str::trim)
            .find(|pair| pair.starts_with("hemicycle_auth="))
            .map(str::to_owned);
        let body = Limited::new(response.into_body(), REPLY_BYTES_MAX)
            .collect()
            .await
            .map_err(|error| match error.downcast::<hyper::Error>() {
                Ok(error) => RequestError::Http(*error),
                Err(_) => RequestError::ReplyTooLarge {
                    limit_bytes: REPLY_BYTES_MAX,
                },
            })?
            .to_bytes();
        if !status.is_success() {
            let (code, message) = api_error(&body);
            return Err(RequestError::Refused {
                method,
                path: path.to_owned(),
                status,
                code,
                message,
            });
        }
        Ok(Reply {
            status,
            auth_cookie,
            body,
        })
    }
}

/// The code and message of the API's `{"error":{"code","message"}}` body, or what
/// the body says if it is something else.
fn api_error(body: &[u8]) -> (String, String) {
    let parsed: Option<(String, String)> = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            let error = value.get("error")?;
            Some((
                error.get("code")?.as_str()?.to_owned(),
                error.get("message")?.as_str()?.to_owned(),
            ))
        });
    parsed.unwrap_or_else(|| {
        let text: String = String::from_utf8_lossy(body).chars().take(200).collect();
        ("not_json".to_owned(), text)
    })
}

/// Why a `--server` address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerAddressError {
    #[error("--server {0}: expected http://HOST:PORT (plain HTTP to this machine)")]
    Malformed(String),
    #[error("--server {url}: {host} is not a loopback address; the load generator only talks to a server on this machine")]
    NotLoopback { url: String, host: String },
}

/// Parses a `--server` URL such as `http://127.0.0.1:8080`, refusing any host that
/// is not this machine's loopback (a load generator aimed elsewhere is an attack).
pub fn parse_loopback_url(url: &str) -> Result<SocketAddr, ServerAddressError> {
    let malformed = || ServerAddressError::Malformed(url.to_owned());
    let rest = url.strip_prefix("http://").ok_or_else(malformed)?;
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return Err(malformed());
    }
    let (host, port) = authority.rsplit_once(':').ok_or_else(malformed)?;
    let port: u16 = port.parse().map_err(|_| malformed())?;
    if port == 0 {
        return Err(malformed());
    }
    let address: IpAddr = if host.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        let bare = host
            .strip_prefix('[')
            .and_then(|inner| inner.strip_suffix(']'))
            .unwrap_or(host);
        bare.parse().map_err(|_| ServerAddressError::NotLoopback {
            url: url.to_owned(),
            host: host.to_owned(),
        })?
    };
    if !address.is_loopback() {
        return Err(ServerAddressError::NotLoopback {
            url: url.to_owned(),
            host: host.to_owned(),
        });
    }
    Ok(SocketAddr::new(address, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_are_accepted() {
        assert_eq!(
            parse_loopback_url("http://127.0.0.1:8080"),
            Ok(SocketAddr::from(([127, 0, 0, 1], 8080)))
        );
        assert_eq!(
            parse_loopback_url("http://localhost:9000/"),
            Ok(SocketAddr::from(([127, 0, 0, 1], 9000)))
        );
        assert_eq!(
            parse_loopback_url("http://127.1.2.3:80"),
            Ok(SocketAddr::from(([127, 1, 2, 3], 80)))
        );
        assert_eq!(
            parse_loopback_url("http://[::1]:8080"),
            Ok("[::1]:8080".parse().unwrap())
        );
    }

    #[test]
    fn other_hosts_are_refused_by_name() {
        for url in [
            "http://192.168.1.10:8080",
            "http://10.0.0.1:80",
            "http://example.org:80",
            "http://[2001:db8::1]:8080",
            "http://0.0.0.0:8080",
        ] {
            let error = parse_loopback_url(url).unwrap_err();
            assert!(
                matches!(error, ServerAddressError::NotLoopback { .. }),
                "{url}: {error}"
            );
            assert!(
                error.to_string().contains("not a loopback address"),
                "{error}"
            );
        }
    }

    #[test]
    fn malformed_urls_are_refused() {
        for url in [
            "127.0.0.1:8080",
            "https://127.0.0.1:8080",
            "http://127.0.0.1",
            "http://127.0.0.1:0",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:8080/api",
            "http://user@127.0.0.1:8080",
            "http://",
        ] {
            assert_eq!(
                parse_loopback_url(url),
                Err(ServerAddressError::Malformed(url.to_owned())),
                "{url}"
            );
        }
    }

    #[test]
    fn error_kinds_name_the_status_and_code() {
        let refused = RequestError::Refused {
            method: Method::POST,
            path: "/api/commands/cast_ballot".to_owned(),
            status: StatusCode::CONFLICT,
            code: "conflict".to_owned(),
            message: "already voted".to_owned(),
        };
        assert_eq!(refused.kind(), "status_409_conflict");
        assert!(refused.connection_is_usable());
        assert!(!RequestError::Deadline.connection_is_usable());
    }

    #[test]
    fn api_errors_are_read_from_their_json_shape() {
        assert_eq!(
            api_error(br#"{"error":{"code":"forbidden","message":"no"}}"#),
            ("forbidden".to_owned(), "no".to_owned())
        );
        assert_eq!(
            api_error(b"gateway exploded"),
            ("not_json".to_owned(), "gateway exploded".to_owned())
        );
    }
}
