//! A bounded closed-loop load on loopback: `connections` keep-alive
//! connections, each sending one GET after the previous answer, for a
//! fixed time; every request's latency is kept.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// What a load run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadResult {
    /// Requests answered per second.
    pub throughput: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Requests answered.
    pub requests: usize,
}

/// Run the load against `addr` for `duration`.
pub fn run(addr: &str, connections: usize, duration: Duration) -> std::io::Result<LoadResult> {
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let addr = addr.to_string();
            std::thread::spawn(move || -> std::io::Result<Vec<Duration>> {
                let mut s = TcpStream::connect(&addr)?;
                s.set_nodelay(true)?;
                s.set_read_timeout(Some(Duration::from_secs(5)))?;
                let req = format!("GET / HTTP/1.1\r\nHost: {addr}\r\n\r\n");
                let mut lat = Vec::new();
                let mut buf = [0u8; 256];
                while Instant::now() < deadline {
                    let t = Instant::now();
                    s.write_all(req.as_bytes())?;
                    let mut got = 0;
                    // The answer is fixed: 38 bytes of head and 2 of body.
                    while got < 40 {
                        let n = s.read(&mut buf[got..])?;
                        if n == 0 {
                            return Err(std::io::ErrorKind::UnexpectedEof.into());
                        }
                        got += n;
                    }
                    lat.push(t.elapsed());
                }
                Ok(lat)
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(
            w.join()
                .map_err(|_| std::io::Error::other("load thread panicked"))??,
        );
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    let q = |p: f64| {
        all.get(((all.len() as f64 - 1.0) * p).round() as usize)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(LoadResult {
        throughput: all.len() as f64 / secs,
        p50_ms: q(0.5),
        p99_ms: q(0.99),
        requests: all.len(),
    })
}
