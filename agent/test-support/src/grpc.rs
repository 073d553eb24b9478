//! A real gRPC server for tests and benches: tonic serving `shop.v1.Orders` (written as
//! tonic-build would generate it), the standard health service (`shop.v1.Orders` serving,
//! `shop.v1.Legacy` not) and, when asked, server reflection built from the `.proto` file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tonic::codegen::{BoxFuture, Context, Poll, Service, http};
use tonic::server::NamedService;

/// The bearer token `GetOrder` wants in its `authorization` metadata.
pub const TOKEN: &str = "tok-7f3a";

/// `shop.v1.GetOrderRequest`, as tonic-build would write it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GetOrderRequest {
    #[prost(string, tag = "1")]
    pub id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Order {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub status: String,
    #[prost(int32, tag = "3")]
    pub item_count: i32,
    #[prost(string, repeated, tag = "4")]
    pub items: Vec<String>,
}

/// `shop.v1.Orders`: `GetOrder` wants `authorization: Bearer TOKEN`; it knows order `A-100`.
#[derive(Clone, Default)]
pub struct Orders;

impl NamedService for Orders {
    const NAME: &'static str = "shop.v1.Orders";
}

impl Orders {
    fn get_order(request: tonic::Request<GetOrderRequest>) -> Result<tonic::Response<Order>, tonic::Status> {
        let authorized =
            request.metadata().get("authorization").is_some_and(|v| v == format!("Bearer {TOKEN}").as_str());
        if !authorized {
            return Err(tonic::Status::unauthenticated("a bearer token is required"));
        }
        let id = request.into_inner().id;
        if id != "A-100" {
            return Err(tonic::Status::not_found(format!("no order {id}")));
        }
        let items = vec!["tea".to_string(), "cups".to_string()];
        Ok(tonic::Response::new(Order { id, status: "packed".into(), item_count: items.len() as i32, items }))
    }
}

struct GetOrder;

impl tonic::server::UnaryService<GetOrderRequest> for GetOrder {
    type Response = Order;
    type Future = BoxFuture<tonic::Response<Order>, tonic::Status>;

    fn call(&mut self, request: tonic::Request<GetOrderRequest>) -> Self::Future {
        Box::pin(async move { Orders::get_order(request) })
    }
}

impl<B> Service<http::Request<B>> for Orders
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<tonic::codegen::StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        match request.uri().path() {
            "/shop.v1.Orders/GetOrder" => Box::pin(async move {
                let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::default());
                Ok(grpc.unary(GetOrder, request).await)
            }),
            _ => Box::pin(async move { Ok(tonic::Status::unimplemented("no such method").into_http()) }),
        }
    }
}

/// The `Orders` service with health (`shop.v1.Orders` serving, `shop.v1.Legacy` not) and,
/// when asked, reflection built from the `.proto` file.
pub fn grpc_server(proto_dir: &Path, reflection: bool) -> SocketAddr {
    let proto_dir: PathBuf = proto_dir.to_path_buf();
    on_a_thread(move |listener| async move {
        let routes = routes(&proto_dir, reflection).await;
        let incoming = tokio_stream_listener(listener);
        tonic::transport::Server::builder().add_routes(routes).serve_with_incoming(incoming).await.unwrap();
    })
}

/// The same service with reflection over TLS (ALPN `h2` only), presenting `cert_pem` with
/// `key_pem`.
pub fn grpc_tls_server(proto_dir: &Path, cert_pem: &str, key_pem: &str) -> SocketAddr {
    let proto_dir: PathBuf = proto_dir.to_path_buf();
    let acceptor = crate::tls_acceptor(cert_pem, key_pem, &[b"h2"]);
    on_a_thread(move |listener| async move {
        let routes = routes(&proto_dir, true).await;
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let (acceptor, routes) = (acceptor.clone(), routes.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else { return };
                let service = hyper_util::service::TowerToHyperService::new(routes);
                let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
                let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(tls), service).await;
            });
        }
    })
}

/// `Orders` with health (and reflection when asked).
async fn routes(proto_dir: &Path, reflection: bool) -> tonic::service::Routes {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter.set_serving::<Orders>().await;
    reporter.set_service_status("shop.v1.Legacy", tonic_health::ServingStatus::NotServing).await;
    let mut routes = tonic::service::Routes::new(Orders).add_service(health);
    if reflection {
        let descriptors = protox::Compiler::new([proto_dir])
            .unwrap()
            .include_imports(true)
            .open_file("shop.proto")
            .unwrap()
            .encode_file_descriptor_set();
        let reflection = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(&descriptors)
            .build_v1()
            .unwrap();
        routes = routes.add_service(reflection);
    }
    routes
}

/// Runs `serve` on a listener on 127.0.0.1 (port 0), on a thread and runtime of its own;
/// the listener's address once it listens.
pub fn on_a_thread<F, Fut>(serve: F) -> SocketAddr
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            serve(listener).await;
        });
    });
    receiver.recv().unwrap()
}

fn tokio_stream_listener(
    listener: tokio::net::TcpListener,
) -> impl futures_util::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    futures_util::stream::unfold(listener, |listener| async move {
        let accepted = listener.accept().await.map(|(stream, _)| stream);
        Some((accepted, listener))
    })
}
