//! A small request-serving child for the benchmark and the tests
//! (`forewarn bench serve`): HTTP/1.1 with keep-alive on 127.0.0.1, every
//! path answered `200 ok`, a log line every 1000 requests; with
//! `hang_after`, it stops answering after that long (still accepting
//! connections: a hang, not a crash).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serve on `port` until killed.
pub async fn serve(port: u16, hang_after: Option<Duration>) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("{{\"level\":\"info\",\"msg\":\"listening on 127.0.0.1:{port}\"}}");
    let served = Arc::new(AtomicU64::new(0));
    let hang_at = hang_after.map(|d| Instant::now() + d);
    loop {
        let (s, _) = listener.accept().await?;
        let served = Arc::clone(&served);
        tokio::spawn(async move {
            let _ = connection(s, served, hang_at).await;
        });
    }
}

async fn connection(
    mut s: TcpStream,
    served: Arc<AtomicU64>,
    hang_at: Option<Instant>,
) -> std::io::Result<()> {
    s.set_nodelay(true)?;
    let mut buf = vec![0u8; 8192];
    let mut have = 0;
    loop {
        let n = s.read(&mut buf[have..]).await?;
        if n == 0 {
            return Ok(());
        }
        have += n;
        while let Some(end) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
            if hang_at.is_some_and(|t| Instant::now() >= t) {
                std::future::pending::<()>().await;
            }
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await?;
            buf.copy_within(end + 4..have, 0);
            have -= end + 4;
            let n = served.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(1000) {
                println!("level=info msg=\"served {n} requests\"");
            }
        }
        if have == buf.len() {
            return Ok(()); // a request head larger than 8 KiB: not ours to serve
        }
    }
}
