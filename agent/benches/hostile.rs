//! A hostile API for the soak: raw HTTP/1.1 on 127.0.0.1 that picks, for each request, one
//! way to answer at random. Fine and error answers keep the connection; the rest end it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// How the server answers one request, with the share of requests (percent) that get it.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Fine,
    Slow,
    ServerError,
    Reset,
    Garbage,
    Huge,
    Hang,
    Trickle,
    MalformedJson,
    EndlessChunked,
}

const ANSWERS: [(Answer, u32); 10] = [
    (Answer::Fine, 55),
    (Answer::Slow, 10),
    (Answer::ServerError, 10),
    (Answer::Reset, 5),
    (Answer::Garbage, 5),
    (Answer::Huge, 2),
    (Answer::Hang, 3),
    (Answer::Trickle, 3),
    (Answer::MalformedJson, 5),
    (Answer::EndlessChunked, 2),
];

static COUNTS: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];

/// `Fine 1234, Slow 210, …`: requests answered each way so far.
pub fn tally() -> String {
    ANSWERS
        .iter()
        .zip(&COUNTS)
        .map(|((answer, _), count)| format!("{answer:?} {}", count.load(Ordering::Relaxed)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn start() -> SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(connection(stream));
            }
        });
    });
    receiver.recv().unwrap()
}

fn pick() -> (usize, Answer) {
    let mut roll = fastrand::u32(0..100);
    for (index, (answer, share)) in ANSWERS.iter().enumerate() {
        if roll < *share {
            return (index, *answer);
        }
        roll -= share;
    }
    (0, Answer::Fine)
}

async fn connection(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut stream = BufReader::new(stream);
    loop {
        // A GET with no body: the request ends at the empty line.
        let mut line = String::new();
        loop {
            line.clear();
            match stream.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        let (index, answer) = pick();
        COUNTS[index].fetch_add(1, Ordering::Relaxed);
        if answer_with(answer, &mut stream).await.is_err()
            || !matches!(answer, Answer::Fine | Answer::Slow | Answer::ServerError)
        {
            return;
        }
    }
}

const JSON: &str = r#"{"id":1,"token":"abc","items":[{"qty":2}]}"#;

fn head(status: &str, length: Option<usize>) -> String {
    let length = length.map_or("transfer-encoding: chunked".to_string(), |n| format!("content-length: {n}"));
    format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{length}\r\n\r\n")
}

async fn answer_with(answer: Answer, stream: &mut BufReader<TcpStream>) -> std::io::Result<()> {
    let stream = stream.get_mut();
    match answer {
        Answer::Fine => stream.write_all(format!("{}{JSON}", head("200 OK", Some(JSON.len()))).as_bytes()).await,
        Answer::Slow => {
            tokio::time::sleep(Duration::from_millis(fastrand::u64(100..4_000))).await;
            stream.write_all(format!("{}{JSON}", head("200 OK", Some(JSON.len()))).as_bytes()).await
        }
        Answer::ServerError => {
            let body = r#"{"error":"unavailable"}"#;
            stream.write_all(format!("{}{body}", head("503 Service Unavailable", Some(body.len()))).as_bytes()).await
        }
        Answer::Reset => {
            #[allow(deprecated)] // a zero linger is what makes the close a reset
            stream.set_linger(Some(Duration::ZERO))?;
            Ok(())
        }
        Answer::Garbage => {
            let bytes: Vec<u8> = (0..fastrand::usize(1..4096)).map(|_| fastrand::u8(..)).collect();
            stream.write_all(&bytes).await
        }
        Answer::Huge => {
            stream.write_all(head("200 OK", Some(64 << 20)).as_bytes()).await?;
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..1024 {
                stream.write_all(&chunk).await?;
            }
            Ok(())
        }
        Answer::Hang => {
            // Until the agent gives up and closes.
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            Ok(())
        }
        Answer::Trickle => {
            stream.write_all(head("200 OK", Some(1 << 20)).as_bytes()).await?;
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                stream.write_all(b" ").await?;
            }
        }
        Answer::MalformedJson => {
            let body = r#"{"id": 1, "token": oops"#;
            stream.write_all(format!("{}{body}", head("200 OK", Some(body.len()))).as_bytes()).await
        }
        Answer::EndlessChunked => {
            stream.write_all(head("200 OK", None).as_bytes()).await?;
            let chunk = format!("10000\r\n{}\r\n", "y".repeat(0x10000));
            loop {
                stream.write_all(chunk.as_bytes()).await?;
            }
        }
    }
}
