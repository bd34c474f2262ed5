//! The HTTPS front: accepting connections, checking the token, routing each request (discovery,
//! the schema, namespaces, and everything else forwarded to the in-memory API), logging it and
//! injecting faults on the way.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::discovery::{api_groups, api_versions, core_resources, group_resources, version};
use super::faults::{fault_reply, pick_fault};
use super::namespaces::{NamespaceRoute, namespace_route, namespaces};
use super::{LoggedRequest, State, lock, openapi};

pub(super) async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, state: Arc<State>) {
    // Connections live in this set, so aborting the accept task closes them all.
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = Arc::clone(&state);
                let acceptor = acceptor.clone();
                conns.spawn(async move {
                    // Handshakes run here, not in the accept loop, so one slow client does not
                    // hold up the others; a failed one just drops the connection.
                    let Ok(stream) = acceptor.accept(stream).await else { return };
                    let svc = service_fn(move |req| handle(Arc::clone(&state), req));
                    // A client hanging up mid-request is normal here (timeouts are tested).
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

pub(super) type Reply = Response<Full<Bytes>>;

pub(super) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let (reply, faulted) = respond(&state, req, &method, &path, query.as_deref()).await;
    state.served.fetch_add(1, Ordering::SeqCst);
    lock(&state.log).push(LoggedRequest {
        method: method.to_string(),
        path,
        query,
        status: reply.status().as_u16(),
        faulted,
    });
    Ok(reply)
}

pub(super) async fn respond(
    state: &State,
    req: Request<Incoming>,
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> (Reply, bool) {
    let authorised = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == state.token);
    if !authorised {
        return (
            status_reply(StatusCode::UNAUTHORIZED, "Unauthorized"),
            false,
        );
    }

    let fault = pick_fault(state, method, path);
    if let Some(f) = &fault
        && !f.delay.is_zero()
    {
        tokio::time::sleep(f.delay).await;
    }
    let fault_status = fault
        .as_ref()
        .and_then(|f| f.status.map(|s| (s, f.after_forward)));
    if let Some((code, false)) = fault_status {
        return (fault_reply(code), true);
    }

    let reply = match (method, path) {
        (&Method::GET, "/version" | "/version/") => json_reply(StatusCode::OK, &version()),
        (&Method::GET, "/api" | "/api/") => json_reply(StatusCode::OK, &api_versions(state.addr)),
        (&Method::GET, "/apis" | "/apis/") => json_reply(StatusCode::OK, &api_groups()),
        (&Method::GET, "/api/v1" | "/api/v1/") => json_reply(StatusCode::OK, &core_resources()),
        (&Method::GET, "/apis/apps/v1" | "/apis/apps/v1/") => {
            json_reply(StatusCode::OK, &group_resources("apps/v1"))
        }
        (&Method::GET, "/apis/batch/v1" | "/apis/batch/v1/") => {
            json_reply(StatusCode::OK, &group_resources("batch/v1"))
        }
        (&Method::GET, "/openapi/v2" | "/openapi/v2/") => openapi_v2(&req),
        _ if namespace_route(path).is_some() => {
            let route = namespace_route(path).unwrap_or(NamespaceRoute::Collection);
            namespaces(state, req, method, route).await
        }
        _ if path.starts_with("/api/v1/") || path.starts_with("/apis/") => {
            forward(state, req, method, path, query).await
        }
        _ => status_reply(StatusCode::NOT_FOUND, "NotFound"),
    };
    match fault_status {
        Some((code, true)) => (fault_reply(code), true),
        _ => (reply, fault.is_some()),
    }
}

pub(super) async fn forward(
    state: &State,
    req: Request<Incoming>,
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> Reply {
    let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return status_reply(StatusCode::BAD_REQUEST, "BadRequest"),
    };
    let uri = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    let mut builder = Request::builder().method(method.clone()).uri(uri);
    if let Some(ct) = content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    let Ok(inner) = builder.body(kube::client::Body::from(body.to_vec())) else {
        return status_reply(StatusCode::BAD_REQUEST, "BadRequest");
    };
    match state.backend.send(inner).await {
        Ok(resp) => {
            let (parts, body) = resp.into_parts();
            match body.collect().await {
                Ok(b) => Response::from_parts(parts, Full::new(b.to_bytes())),
                Err(_) => status_reply(StatusCode::INTERNAL_SERVER_ERROR, "InternalError"),
            }
        }
        // The in-memory API rejects bodies that are not JSON (kubectl's protobuf, for one) and
        // paths it cannot parse with an error rather than a response.
        Err(_) => status_reply(StatusCode::BAD_REQUEST, "BadRequest"),
    }
}

/// kubectl asks for protobuf, the only form it validates against; anything else gets JSON, as
/// from a cluster.
pub(super) fn openapi_v2(req: &Request<Incoming>) -> Reply {
    let wants_protobuf = req
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(openapi::PROTOBUF_V2));
    let (content_type, body) = if wants_protobuf {
        (openapi::PROTOBUF_V2_CONTENT_TYPE, openapi::v2_protobuf())
    } else {
        ("application/json", openapi::v2_json())
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .body(Full::new(Bytes::from_static(body)))
        .expect("build a response")
}

pub(super) fn json_reply<T: serde::Serialize>(code: StatusCode, value: &T) -> Reply {
    let body = serde_json::to_vec(value).expect("serialise a response");
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("build a response")
}

pub(super) fn status_reply(code: StatusCode, reason: &str) -> Reply {
    let message = format!(
        "{} {}",
        code.as_u16(),
        code.canonical_reason().unwrap_or("")
    );
    status_message(code, reason, message)
}

pub(super) fn status_message(code: StatusCode, reason: &str, message: String) -> Reply {
    let status = Status {
        code: Some(i32::from(code.as_u16())),
        message: Some(message),
        reason: Some(reason.to_owned()),
        status: Some("Failure".to_owned()),
        ..Default::default()
    };
    json_reply(code, &status)
}
