//! The child's stdout and stderr: every byte passed through, unchanged,
//! to the same stream of this process, and each complete line handed on
//! (for log records, the last-lines buffer and silence detection).
//!
//! Each stream is copied by a thread of its own with blocking reads and
//! writes, not by an async task: tokio's stdout and stderr hand every write
//! to its blocking pool, which cost about 20 system calls and 5 context
//! switches per line, measured as the child's p99 latency going up when
//! `watch` shares its core (`forewarn bench watch`, README). A thread costs
//! one wake-up and two writes per chunk read, and it reads at most every
//! [`BATCH`]: lines written meanwhile wait in the pipe (enlarged to 1 MiB
//! where the system allows) and are read together, so a chatty child wakes
//! `watch` at most 20 times a second, not once per line.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

/// The least time between two reads of a stream that is not keeping the
/// buffer full: how late a line can be passed through and handed on.
pub const BATCH: Duration = Duration::from_millis(50);

/// The pipe size asked for, so that a child logging up to 20 MiB/s does
/// not wait on a full pipe while a batch gathers.
const PIPE_SIZE: usize = 1 << 20;

/// Ask for a larger pipe; the system's limit (`/proc/sys/fs/pipe-max-size`)
/// may refuse, and then the pipe keeps its size.
pub fn enlarge_pipe(fd: impl AsFd) {
    if let Err(e) = rustix::pipe::fcntl_setpipe_size(fd, PIPE_SIZE) {
        tracing::debug!(error = %e, "The child's pipe keeps its default size.");
    }
}

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

/// Copy `from` to `to` chunk by chunk (flushing each, so a line is passed
/// on at most [`BATCH`] after the child wrote it) and hand each line to
/// `on_line`,
/// until `from` ends, on a thread named after the stream. A failed write
/// (our own stdout closed) stops the pass-through, not the capture. The
/// receiver resolves when the stream has ended and its last line is
/// handed on (or the thread could not start).
pub fn spawn_capture<R, W>(
    mut from: R,
    mut to: W,
    stream: Stream,
    on_line: OnLine,
) -> oneshot::Receiver<()>
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    let (done, finished) = oneshot::channel();
    let copy = move || {
        let mut buf = vec![0u8; 64 * 1024];
        let mut lines = LineSplitter::new(64 * 1024);
        let mut passing = true;
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            if passing && (to.write_all(&buf[..n]).is_err() || to.flush().is_err()) {
                passing = false;
            }
            for line in lines.push(&buf[..n]) {
                on_line(stream, line);
            }
            if n < buf.len() {
                std::thread::sleep(BATCH);
            }
        }
        if let Some(line) = lines.finish() {
            on_line(stream, line);
        }
        let _ = done.send(());
    };
    if let Err(e) = std::thread::Builder::new()
        .name(format!("watch-{}", stream.name()))
        .spawn(copy)
    {
        tracing::warn!(error = %e, stream = stream.name(), "Could not start the output capture.");
    }
    finished
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

    /// A reader that counts its reads.
    struct Counted<R>(R, Arc<std::sync::atomic::AtomicUsize>);

    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.0.read(b)
        }
    }

    #[tokio::test]
    async fn a_chatty_child_is_read_in_batches_not_once_per_line() {
        let (r, mut w) = std::io::pipe().unwrap();
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (tx, rx) = std::sync::mpsc::channel();
        let on_line: OnLine = Arc::new(move |_, l| tx.send(l).unwrap());
        let done = spawn_capture(
            Counted(r, Arc::clone(&reads)),
            std::io::sink(),
            Stream::Stdout,
            on_line,
        );
        let started = std::time::Instant::now();
        for i in 0..200 {
            writeln!(w, "line {i}").unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
        let took = started.elapsed();
        drop(w);
        done.await.unwrap();
        let lines: Vec<String> = rx.try_iter().collect();
        assert_eq!(lines.len(), 200, "every line handed on, in order");
        assert_eq!(lines[199], "line 199");
        // One read per batch (plus the end of the stream), not one per line.
        let most = (took.as_millis() / BATCH.as_millis()) as usize + 3;
        let n = reads.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            n <= most,
            "{n} reads for 200 lines over {took:?}, at most {most}"
        );
    }

    #[test]
    fn long_lines_are_cut() {
        let mut s = LineSplitter::new(4);
        assert_eq!(s.push(b"abcdefghij\n"), ["abcd", "efgh", "ij"]);
    }

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Shared(Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn bytes_pass_through_unchanged_and_lines_are_handed_on() {
        let input: Vec<u8> = b"a\n\xff\xfe binary\r\nlast".to_vec();
        let (tx, rx) = std::sync::mpsc::channel();
        let on_line: OnLine = Arc::new(move |s, l| tx.send((s, l)).unwrap());
        let out = Shared::default();
        let cursor = std::io::Cursor::new(input.clone());
        spawn_capture(cursor, out.clone(), Stream::Stderr, on_line)
            .await
            .unwrap();
        assert_eq!(*out.0.lock().unwrap(), input);
        let got: Vec<(Stream, String)> = rx.try_iter().collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (Stream::Stderr, "a".to_string()));
        assert_eq!(got[1].1, "\u{fffd}\u{fffd} binary");
        assert_eq!(got[2].1, "last");
    }
}
