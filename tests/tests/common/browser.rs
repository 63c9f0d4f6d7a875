//! A real browser for end-to-end tests: Debian's `chromium`, headless,
//! driven over the Chrome DevTools Protocol (JSON over a websocket,
//! `tungstenite`): navigate, evaluate JavaScript in the page, wait for a
//! condition. Skipped with a notice when chromium is missing, a failure
//! under `CI=true` (see [`super::required`]).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::WebSocket;
use tungstenite::stream::MaybeTlsStream;

/// Debian's chromium (`apt-get install chromium`), found on `PATH`.
pub(crate) fn chromium_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    });
    super::required(found, "chromium (apt-get install chromium)")
}

/// One HTTP GET: (status, body), or `None` when it cannot connect. The
/// body is read up to its `Content-Length` when there is one (chromium's
/// DevTools server keeps the connection open).
pub(crate) fn http_get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())?
            });
            if length.is_some_and(|len| body.len() >= len) {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// A headless chromium process with remote debugging; killed when dropped.
pub(crate) struct Browser {
    child: Child,
    dir: PathBuf,
    /// `127.0.0.1:PORT` of its DevTools endpoint.
    pub(crate) devtools: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Browser {
    /// Start chromium headless on a blank page; `None` when it is not
    /// installed (and CI is not set).
    pub(crate) fn start(name: &str) -> Option<Self> {
        let bin = chromium_binary()?;
        let dir =
            std::env::temp_dir().join(format!("forewarn-chromium-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new(bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--window-size=1400,1000",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", dir.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        // Chromium writes the port it chose into the profile directory.
        let port_file = dir.join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Some(p) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<u16>().ok()))
            {
                break p;
            }
            assert!(
                Instant::now() < deadline,
                "chromium did not start its DevTools endpoint"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        Some(Self {
            child,
            dir,
            devtools: format!("127.0.0.1:{port}"),
        })
    }

    /// The browser's first page (tab), over its own websocket.
    pub(crate) fn page(&self) -> Page {
        let deadline = Instant::now() + Duration::from_secs(20);
        let url = loop {
            let targets: Value = http_get(&self.devtools, "/json/list")
                .and_then(|(_, b)| serde_json::from_str(&b).ok())
                .unwrap_or(Value::Null);
            let found = targets.as_array().and_then(|t| {
                t.iter()
                    .find(|t| t["type"] == "page")
                    .and_then(|t| t["webSocketDebuggerUrl"].as_str().map(str::to_string))
            });
            if let Some(u) = found {
                break u;
            }
            assert!(Instant::now() < deadline, "chromium shows no page target");
            std::thread::sleep(Duration::from_millis(100));
        };
        let (ws, _) = tungstenite::connect(url.as_str()).expect("connect to the page's DevTools");
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        }
        Page { ws, next: 0 }
    }
}

/// One page of the browser, driven over the DevTools protocol.
pub(crate) struct Page {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next: u64,
}

impl Page {
    /// Call `method` and wait for its answer (events in between are
    /// ignored); panics on a protocol error.
    pub(crate) fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws
            .send(tungstenite::Message::text(msg))
            .expect("send to DevTools");
        loop {
            let m = self.ws.read().expect("read from DevTools");
            let Ok(text) = m.to_text() else { continue };
            let Ok(v) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            if v["id"].as_u64() == Some(id) {
                assert!(v["error"].is_null(), "{method}: {}", v["error"]);
                return v["result"].clone();
            }
        }
    }

    /// Load `url` in the page.
    pub(crate) fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
    }

    /// The value of JavaScript `expr` in the page (`null` on an exception).
    pub(crate) fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
        );
        r["result"]["value"].clone()
    }

    /// Wait until `expr` is true in the page; the moment it was seen
    /// true, or `None` after `timeout`. Checked every 10 ms.
    pub(crate) fn wait_for(&mut self, expr: &str, timeout: Duration) -> Option<Instant> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.eval(expr) == Value::Bool(true) {
                return Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// The page's visible text.
    pub(crate) fn text(&mut self) -> String {
        self.eval("document.body.innerText")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The page's whole DOM, serialised.
    pub(crate) fn html(&mut self) -> String {
        self.eval("document.documentElement.outerHTML")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}
