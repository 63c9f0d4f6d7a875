//! The child's stdout and stderr: every byte passed through, unchanged,
//! to the same stream of this process, and each complete line handed on
//! (for log records, the last-lines buffer and silence detection).

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::task::JoinHandle;

/// Which of the child's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    /// `stdout` or `stderr`.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// Splits a byte stream into lines (`\n`, with a `\r` before it dropped).
/// A line longer than `max` bytes is cut into pieces of `max` bytes, so a
/// child writing without newlines cannot grow the buffer without bound.
#[derive(Debug)]
pub struct LineSplitter {
    pending: Vec<u8>,
    max: usize,
}

impl LineSplitter {
    /// Lines of at most `max` bytes.
    pub fn new(max: usize) -> Self {
        Self {
            pending: Vec::new(),
            max: max.max(1),
        }
    }

    /// The lines completed by `chunk`.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for &b in chunk {
            if b == b'\n' {
                out.push(self.take());
            } else {
                self.pending.push(b);
                if self.pending.len() >= self.max {
                    out.push(self.take());
                }
            }
        }
        out
    }

    /// The last line, if the stream ended without a newline.
    pub fn finish(&mut self) -> Option<String> {
        (!self.pending.is_empty()).then(|| self.take())
    }

    fn take(&mut self) -> String {
        if self.pending.last() == Some(&b'\r') {
            self.pending.pop();
        }
        let line = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        line
    }
}

/// What receives each captured line.
pub type OnLine = Arc<dyn Fn(Stream, String) + Send + Sync>;

/// Copy `from` to `to` chunk by chunk (flushing each, so output is as
/// timely as without the supervisor) and hand each line to `on_line`,
/// until `from` ends. A failed write (our own stdout closed) stops the
/// pass-through, not the capture.
pub fn spawn_capture<R, W>(
    mut from: R,
    mut to: W,
    stream: Stream,
    on_line: OnLine,
) -> JoinHandle<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut lines = LineSplitter::new(64 * 1024);
        let mut passing = true;
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if passing && (to.write_all(&buf[..n]).await.is_err() || to.flush().await.is_err()) {
                passing = false;
            }
            for line in lines.push(&buf[..n]) {
                on_line(stream, line);
            }
        }
        if let Some(line) = lines.finish() {
            on_line(stream, line);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_across_chunks_crlf_and_a_last_line_without_newline() {
        let mut s = LineSplitter::new(1024);
        assert_eq!(s.push(b"one\ntw"), ["one"]);
        assert!(s.push(b"o").is_empty());
        assert_eq!(s.push(b"\r\nthree\n\nfour"), ["two", "three", ""]);
        assert_eq!(s.finish().as_deref(), Some("four"));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn long_lines_are_cut() {
        let mut s = LineSplitter::new(4);
        assert_eq!(s.push(b"abcdefghij\n"), ["abcd", "efgh", "ij"]);
    }

    #[tokio::test]
    async fn bytes_pass_through_unchanged_and_lines_are_handed_on() {
        let input: Vec<u8> = b"a\n\xff\xfe binary\r\nlast".to_vec();
        let (tx, rx) = std::sync::mpsc::channel();
        let on_line: OnLine = Arc::new(move |s, l| tx.send((s, l)).unwrap());
        let mut out = Vec::new();
        {
            let cursor = std::io::Cursor::new(input.clone());
            let (w, mut r) = tokio::io::duplex(1 << 20);
            spawn_capture(cursor, w, Stream::Stderr, on_line)
                .await
                .unwrap();
            r.read_to_end(&mut out).await.unwrap();
        }
        assert_eq!(out, input);
        let got: Vec<(Stream, String)> = rx.try_iter().collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (Stream::Stderr, "a".to_string()));
        assert_eq!(got[1].1, "\u{fffd}\u{fffd} binary");
        assert_eq!(got[2].1, "last");
    }
}
