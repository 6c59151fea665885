//! One client's stream, and the handler that opens it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use tickets_core::QueueBackend;
use tokio::sync::broadcast;

use super::{Frame, LiveHub, RETRY_MS, ensure_started};
use crate::api::error::ApiError;
use crate::auth::{Auth, caller};
use crate::limits::{STREAM_RETRY_SECONDS, StreamPermit, StreamRefusal};
use crate::state::AppState;

/// Counts a connected client while it lives.
struct ClientGuard(Arc<AtomicUsize>);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        let now = self.0.fetch_sub(1, Ordering::Relaxed) - 1;
        metrics::gauge!("sse_clients").set(now as f64);
    }
}

/// How often a staff stream checks that its session (or token) still holds.
pub(crate) const SESSION_CHECK: Duration = Duration::from_secs(2);

/// The last frame of a staff stream whose session ended (signed out elsewhere, account
/// disabled, password changed): the console says so and stops acting.
pub(crate) const SIGNED_OUT_FRAME: &[u8] = b"event: signed-out\ndata: {}\n\n";

/// Resolves when a staff stream's credentials no longer hold.
type Revoked = Pin<Box<dyn Future<Output = ()>>>;

struct Client {
    /// The stream's place under the caps, given back when the stream ends.
    _permit: StreamPermit,
    revoked: Option<Revoked>,
    ended: bool,
    /// None when the streams were already closed (the server is stopping).
    rx: Option<broadcast::Receiver<Arc<Frame>>>,
    /// Started without a state (the hub's was stale): the events before the fresh state
    /// are in it, and are not sent.
    awaiting_state: bool,
    staff: bool,
    first: Option<Bytes>,
    _guard: ClientGuard,
}

/// One client's stream: the retry hint and the latest state, then every message of the
/// hub (events and states, keep-alive comments); it ends when the client falls
/// [`CLIENT_BUFFER`](super::CLIENT_BUFFER) messages behind, when the server stops, or
/// (staff) when its session ends.
fn client_stream(
    hub: &LiveHub,
    staff: bool,
    permit: StreamPermit,
    revoked: Option<Revoked>,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> + use<> {
    let rx = hub.subscribe();
    let now = hub.clients.fetch_add(1, Ordering::Relaxed) + 1;
    metrics::gauge!("sse_clients").set(now as f64);
    let mut first = format!("retry: {RETRY_MS}\n\n").into_bytes();
    let mut awaiting_state = false;
    if hub.stale.swap(false, Ordering::AcqRel) {
        // The hub sends a fresh state to everyone in a moment.
        hub.wake.notify_one();
        awaiting_state = true;
    } else if let Some(frame) = hub.latest() {
        first.extend_from_slice(if staff { &frame.staff } else { &frame.public });
    }
    let client = Client {
        _permit: permit,
        revoked,
        ended: false,
        rx,
        awaiting_state,
        staff,
        first: Some(Bytes::from(first)),
        _guard: ClientGuard(hub.clients.clone()),
    };
    futures_util::stream::unfold(client, |mut c| async move {
        if c.ended || c.rx.is_none() {
            return None;
        }
        if let Some(first) = c.first.take() {
            return Some((Ok::<_, actix_web::Error>(first), c));
        }
        let Client {
            rx: Some(rx),
            awaiting_state,
            staff,
            revoked,
            ..
        } = &mut c
        else {
            return None;
        };
        let next = next_bytes(rx, awaiting_state, *staff);
        let got = match revoked.as_mut() {
            None => next.await.ok(),
            Some(revoked) => tokio::select! {
                bytes = next => bytes.ok(),
                () = revoked => {
                    c.ended = true;
                    Some(Bytes::from_static(SIGNED_OUT_FRAME))
                }
            },
        };
        // None: too far behind, or the server stops (or the hub is gone); the browser
        // reconnects and starts again from the current state.
        got.map(|bytes| (Ok(bytes), c))
    })
}

/// The next bytes for a client; while it awaits its first state, the events before it
/// are skipped (that state tells what they did).
async fn next_bytes(
    rx: &mut broadcast::Receiver<Arc<Frame>>,
    awaiting_state: &mut bool,
    staff: bool,
) -> Result<Bytes, broadcast::error::RecvError> {
    loop {
        let frame = rx.recv().await?;
        if !*awaiting_state {
            return Ok(frame.bytes(staff));
        }
        if let Some(bytes) = frame.for_awaiting(staff) {
            // A comment leaves it waiting; a state ends the wait.
            *awaiting_state = !frame.has_state();
            return Ok(bytes);
        }
    }
}

/// The live stream of the queue (Server-Sent Events).
///
/// `GET /api/tickets/events`: public; staff credentials add the figures. It starts with a
/// `retry:` hint and a `state` event (the current state), then sends `queue` events as they
/// happen and a `state` event after each burst, with a comment every 15 s to keep
/// connections open. It ends only when the server stops or when a client falls too far
/// behind (256 frames); either way the browser reconnects. See docs/http-api.md for the
/// event formats.
#[utoipa::path(
    get,
    path = "/api/tickets/events",
    tag = crate::openapi::TAG_PUBLIC,
    responses(
        (
            status = 200,
            description = "An endless `text/event-stream`.",
            content_type = "text/event-stream",
            body = String,
        ),
        (
            status = 503,
            description = "Too many streams from this address or in all (`too_many_streams`, `TICKETS_STREAM_LIMIT`); `Retry-After` says when to try again.",
            body = crate::openapi::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again.")),
        ),
    )
)]
pub async fn events<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
) -> Result<HttpResponse, ApiError> {
    let permit = state
        .streams
        .admit(state.clients.address(&req))
        .map_err(refused)?;
    ensure_started(&state);
    let who = caller(&req).await;
    let staff = who.is_some();
    let revoked = who.map(|c| -> Revoked {
        let auth = auth.into_inner();
        Box::pin(async move {
            loop {
                tokio::time::sleep(SESSION_CHECK).await;
                if auth.still_valid(&c).await == Some(false) {
                    return;
                }
            }
        })
    });
    let stream = client_stream(&state.live, staff, permit, revoked);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-transform"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

/// The answer to a stream past the caps: 503, to try again in a while.
fn refused(why: StreamRefusal) -> ApiError {
    let (fr, en) = match why {
        StreamRefusal::PerAddress => (
            "Trop de pages en direct sont ouvertes depuis cette adresse. Fermez-en une, ou réessayez plus tard.",
            "Too many live pages are open from this address. Close one, or try again later.",
        ),
        StreamRefusal::Total => (
            "Le serveur suit déjà autant de pages en direct qu'il le peut. Réessayez dans un instant.",
            "The server already follows as many live pages as it can. Try again in a moment.",
        ),
    };
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too_many_streams", fr, en)
        .retry_after(STREAM_RETRY_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::StreamGate;
    use crate::live::CLIENT_BUFFER;
    use crate::live::frames::StateFrame;
    use futures_util::StreamExt;

    fn open_permit() -> StreamPermit {
        StreamGate::new(None)
            .admit([127, 0, 0, 1].into())
            .expect("no cap")
    }

    fn event(i: usize) -> Bytes {
        Bytes::from(format!("event: queue\ndata: {{\"n\":{i}}}\n\n"))
    }

    fn state(i: usize) -> StateFrame {
        StateFrame {
            public: Bytes::from(format!("event: state\ndata: {{\"n\":{i}}}\n\n")),
            staff: Bytes::from(format!(
                "event: state\ndata: {{\"n\":{i},\"staff\":true}}\n\n"
            )),
        }
    }

    fn text(b: &Bytes) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    #[tokio::test]
    async fn a_client_starts_with_the_retry_hint_and_the_latest_state() {
        let hub = LiveHub::new(300.0);
        hub.publish(&[], Some(state(0)));
        let mut public = Box::pin(client_stream(&hub, false, open_permit(), None));
        let mut staff = Box::pin(client_stream(&hub, true, open_permit(), None));
        let first = public.next().await.unwrap().unwrap();
        assert!(first.starts_with(b"retry: 2000\n\n"));
        assert!(text(&first).ends_with("{\"n\":0}\n\n"));
        let first = staff.next().await.unwrap().unwrap();
        assert!(text(&first).contains("\"staff\":true"));
        assert_eq!(hub.clients(), 2);
        drop(public);
        assert_eq!(hub.clients(), 1);
    }

    #[tokio::test]
    async fn a_burst_comes_as_one_write_its_events_then_the_state() {
        let hub = LiveHub::new(300.0);
        hub.publish(&[], Some(state(0)));
        let mut public = Box::pin(client_stream(&hub, false, open_permit(), None));
        let mut staff = Box::pin(client_stream(&hub, true, open_permit(), None));
        public.next().await.unwrap().unwrap();
        staff.next().await.unwrap().unwrap();
        hub.publish(&[event(1), event(2)], Some(state(3)));
        let got = text(&public.next().await.unwrap().unwrap());
        assert_eq!(
            got,
            "event: queue\ndata: {\"n\":1}\n\nevent: queue\ndata: {\"n\":2}\n\n\
             event: state\ndata: {\"n\":3}\n\n"
        );
        let got = text(&staff.next().await.unwrap().unwrap());
        assert!(
            got.starts_with("event: queue\ndata: {\"n\":1}\n\n"),
            "{got}"
        );
        assert!(got.ends_with("{\"n\":3,\"staff\":true}\n\n"), "{got}");
        // Events without a state (it could not be read), and a keep-alive comment.
        hub.publish(&[event(4)], None);
        hub.send(Frame::comment(super::super::KEEP_ALIVE_COMMENT));
        assert_eq!(
            text(&public.next().await.unwrap().unwrap()),
            text(&event(4))
        );
        assert_eq!(
            &public.next().await.unwrap().unwrap()[..],
            b": keep-alive\n\n"
        );
        // New clients start from the latest state.
        let mut late = Box::pin(client_stream(&hub, false, open_permit(), None));
        assert!(text(&late.next().await.unwrap().unwrap()).ends_with("{\"n\":3}\n\n"));
    }

    #[tokio::test]
    async fn a_client_that_waits_for_a_fresh_state_gets_no_event_before_it() {
        // A new hub is stale: the client is promised a fresh state.
        let hub = LiveHub::new(300.0);
        let mut client = Box::pin(client_stream(&hub, false, open_permit(), None));
        let first = client.next().await.unwrap().unwrap();
        assert_eq!(&first[..], b"retry: 2000\n\n");
        // A comment comes through; events the hub was still taking when the client came
        // are in the state after them, and are not sent, nor those of the state's burst.
        hub.send(Frame::comment(super::super::KEEP_ALIVE_COMMENT));
        hub.publish(&[event(1)], None);
        hub.publish(&[event(2)], Some(state(3)));
        hub.publish(&[event(4)], None);
        assert_eq!(
            &client.next().await.unwrap().unwrap()[..],
            b": keep-alive\n\n"
        );
        let got = text(&client.next().await.unwrap().unwrap());
        assert_eq!(got, "event: state\ndata: {\"n\":3}\n\n");
        let got = text(&client.next().await.unwrap().unwrap());
        assert_eq!(got, text(&event(4)));
    }

    #[tokio::test]
    async fn a_slow_client_is_dropped_while_a_fast_one_gets_everything() {
        let hub = LiveHub::new(300.0);
        let mut slow = Box::pin(client_stream(&hub, false, open_permit(), None));
        let mut fast = Box::pin(client_stream(&hub, false, open_permit(), None));
        // Both read their first bytes; then the slow one stops reading.
        slow.next().await.unwrap().unwrap();
        fast.next().await.unwrap().unwrap();
        hub.publish(&[], Some(state(0)));
        fast.next().await.unwrap().unwrap();
        let total = CLIENT_BUFFER * 2;
        for i in 1..=total {
            hub.publish(&[event(i)], None);
            let got = fast.next().await.unwrap().unwrap();
            assert!(text(&got).contains(&format!("{{\"n\":{i}}}")));
        }
        // The slow one fell more than the buffer behind: its stream ends (it reconnects).
        assert!(slow.next().await.is_none());
        assert_eq!(hub.clients(), 1, "an ended stream no longer counts");
    }

    #[tokio::test]
    async fn closing_ends_every_stream_after_what_was_sent() {
        let hub = LiveHub::new(300.0);
        hub.publish(&[], Some(state(0)));
        let mut client = Box::pin(client_stream(&hub, false, open_permit(), None));
        client.next().await.unwrap().unwrap();
        hub.publish(&[event(1)], None);
        hub.close_streams();
        assert_eq!(
            text(&client.next().await.unwrap().unwrap()),
            text(&event(1))
        );
        assert!(client.next().await.is_none());
        // A client that comes once the server stops gets nothing.
        let mut late = Box::pin(client_stream(&hub, false, open_permit(), None));
        assert!(late.next().await.is_none());
        drop(client);
        drop(late);
        assert_eq!(hub.clients(), 0);
    }

    #[tokio::test]
    async fn a_revoked_staff_stream_says_so_and_ends() {
        let hub = LiveHub::new(300.0);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let revoked: Revoked = Box::pin(async move {
            let _ = rx.await;
        });
        let mut staff = Box::pin(client_stream(&hub, true, open_permit(), Some(revoked)));
        staff.next().await.unwrap().unwrap();
        tx.send(()).unwrap();
        let last = staff.next().await.unwrap().unwrap();
        assert_eq!(&last[..], SIGNED_OUT_FRAME);
        assert!(staff.next().await.is_none());
        assert_eq!(hub.clients(), 0);
    }
}
