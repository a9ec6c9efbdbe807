//! Inputs: files (memory-mapped), directories, stdin, gzip and zstd streams,
//! cut into newline-aligned chunks that are the workers' units of work.
//!
//! Compression is recognised by magic bytes (gzip `1f 8b`, zstd
//! `28 b5 2f fd`), so a renamed file still decodes; decompression streams
//! chunk by chunk and never holds a whole file. A read error mid-stream ends
//! that input: the complete lines before it are still scanned, and the error
//! names the input and how far it got.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::evtx;
use super::mmap;
use super::range::{self, ByteRange, RangeReader};

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
    /// The lines of a plain file whose first byte lies in a byte range
    /// (`--byte-range`, see [`range`]). A compressed file is never split:
    /// all of it belongs to the range that holds byte 0.
    FileRange(PathBuf, ByteRange),
}

/// One input and the name hits report for it.
#[derive(Clone, Debug)]
pub struct Input {
    /// The name as given (or as found under a directory argument).
    pub name: String,
    /// Where to read it.
    pub source: Source,
}

/// Expands command-line inputs: `-` is stdin, a directory is walked
/// recursively (sorted; files whose name matches `glob` when given).
/// A named path that cannot be examined (missing, no permission) stays an
/// input, so its open error is reported, counted and listed in the stats in
/// its place. Directories that cannot be listed, and special files (FIFOs,
/// sockets, devices) met under a directory, are returned as errors
/// `(name, reason)`: opening a FIFO nobody writes to would block forever.
/// Symbolic links are followed, but each directory is walked once, so a
/// link back to an ancestor neither loops nor scans files twice.
pub fn expand(args: &[String], glob: Option<&str>) -> (Vec<Input>, Vec<(String, String)>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for a in args {
        if a == "-" {
            inputs.push(Input {
                name: "-".into(),
                source: Source::Stdin,
            });
            continue;
        }
        let p = Path::new(a);
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, glob, &mut seen, &mut inputs, &mut errors),
            _ => inputs.push(Input {
                name: a.clone(),
                source: Source::File(p.to_path_buf()),
            }),
        }
    }
    (inputs, errors)
}

fn walk(
    dir: &Path,
    glob: Option<&str>,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<Input>,
    errors: &mut Vec<(String, String)>,
) {
    // The canonical path identifies the directory however it was reached.
    if let Ok(real) = std::fs::canonicalize(dir)
        && !seen.insert(real)
    {
        return;
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            errors.push((dir.display().to_string(), e.to_string()));
            return;
        }
    };
    entries.sort();
    for p in entries {
        // Follows symbolic links; a dangling one stays an input and is
        // reported when it cannot be opened.
        let meta = std::fs::metadata(&p).ok();
        if meta.as_ref().is_some_and(|m| m.is_dir()) {
            walk(&p, glob, seen, out, errors);
            continue;
        }
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !glob.is_none_or(|g| glob_match(g.as_bytes(), name.as_bytes())) {
            continue;
        }
        if meta.is_some_and(|m| !m.is_file()) {
            errors.push((
                p.display().to_string(),
                "not a regular file (skipped)".into(),
            ));
            continue;
        }
        out.push(Input {
            name: p.display().to_string(),
            source: Source::File(p),
        });
    }
}

/// Shell-style `*`/`?` match of a file name.
pub fn glob_match(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si, mut star) = (0, 0, None);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// The bytes of one chunk.
pub enum ChunkData {
    /// A slice of a mapped file.
    Mapped(Arc<mmap::GuardedMap>, Range<usize>),
    /// A buffer read or decompressed from a stream.
    Owned(Vec<u8>),
}

impl ChunkData {
    /// The chunk's bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            ChunkData::Mapped(m, r) => &m[r.clone()],
            ChunkData::Owned(v) => v,
        }
    }
}

/// What the reader hands the workers, in input order.
pub enum Work {
    /// Whole lines of one input.
    Chunk {
        /// Index into the input list.
        input: usize,
        /// Byte offset of the chunk's first byte within the (decoded) input.
        offset: u64,
        /// The bytes.
        data: ChunkData,
    },
    /// One chunk of an `.evtx` input, decoded by the worker ([`super::evtx`]).
    Evtx(super::evtx::Unit),
    /// The input is finished.
    End {
        /// Index into the input list.
        input: usize,
        /// Why it ended early, if it did.
        error: Option<String>,
        /// Bytes read from disk (compressed size for compressed inputs).
        raw_bytes: u64,
        /// Compression, if any (`gzip`/`zstd`), or `evtx` for an EVTX input
        /// (whose decoded bytes are JSON).
        compression: Option<&'static str>,
        /// The mapping, for memory-mapped inputs: once its chunks are
        /// scanned, it tells whether the file shrank under the scan.
        mapped: Option<Arc<mmap::GuardedMap>>,
    },
}

/// How inputs are read.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    /// Target chunk size in bytes (chunks end at a newline after it).
    pub chunk_size: usize,
    /// Memory-map plain files.
    pub mmap: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many later compressed files may be decoding while the current input
/// is delivered (at most one per core besides this thread).
const MAX_AHEAD: usize = 8;

/// Chunks a decoding-ahead file may hold before it waits for its turn.
const AHEAD_CHUNKS: usize = 2;

/// Reads every input in order, calling `send` for each unit of work.
/// `send` returns false to stop early (the consumer went away).
///
/// Decompression is slower than the workers, so compressed files among the
/// next few inputs are decoded ahead on their own threads, in parallel,
/// each into a small bounded queue; the work still reaches `send` in input
/// order. Plain files and stdin are read here when their turn comes.
pub fn read_all(inputs: &[Input], opts: ReadOptions, send: &mut dyn FnMut(Work) -> bool) {
    let ahead = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .min(MAX_AHEAD);
    std::thread::scope(|s| {
        let mut decoding = std::collections::HashMap::new();
        let mut next = 0;
        for (i, input) in inputs.iter().enumerate() {
            next = next.max(i + 1);
            while next < inputs.len() && next <= i + ahead {
                if is_compressed_file(&inputs[next]) {
                    let (tx, rx) = crossbeam_channel::bounded::<Work>(AHEAD_CHUNKS);
                    let (j, later) = (next, &inputs[next]);
                    s.spawn(move || read_one(j, later, opts, &mut |w| tx.send(w).is_ok()));
                    decoding.insert(next, rx);
                }
                next += 1;
            }
            let go_on = match decoding.remove(&i) {
                Some(rx) => rx.iter().all(&mut *send),
                None => read_one(i, input, opts, send),
            };
            if !go_on {
                // Dropping the queues stops the threads still decoding.
                return;
            }
        }
    });
}

/// Whether `input` is a regular file that starts with a compression magic.
fn is_compressed_file(input: &Input) -> bool {
    let Source::File(p) = &input.source else {
        return false;
    };
    File::open(p).is_ok_and(|f| f.metadata().is_ok_and(|m| m.is_file()) && starts_compressed(&f))
}

/// The end-of-input record of a read (not memory-mapped) input.
fn end_of_stream(
    input: usize,
    error: Option<String>,
    raw_bytes: u64,
    compression: Option<&'static str>,
) -> Work {
    Work::End {
        input,
        error,
        raw_bytes,
        compression,
        mapped: None,
    }
}

fn read_one(
    i: usize,
    input: &Input,
    opts: ReadOptions,
    send: &mut dyn FnMut(Work) -> bool,
) -> bool {
    let end = |error, raw_bytes, compression| end_of_stream(i, error, raw_bytes, compression);
    let (file, byte_range) = match &input.source {
        Source::Stdin => {
            let mut counted = CountingReader {
                inner: io::stdin().lock(),
                count: 0,
            };
            let (err, compression) = stream_maybe_compressed(i, &mut counted, opts, send);
            return send(end(err, counted.count, compression));
        }
        Source::File(p) | Source::FileRange(p, _) => match File::open(p) {
            // EVTX by its magic: decoded chunk by chunk on the workers. A
            // byte range holding byte 0 reads all of it, any other nothing
            // (like a compressed file).
            Ok(f) if f.metadata().is_ok_and(|m| m.is_file()) && evtx::file_is_evtx(&f) => {
                return match &input.source {
                    Source::FileRange(_, r) if r.start > 0 => send(evtx::end(i, None, 0, None)),
                    _ => evtx::send_file(i, f, opts.mmap, send),
                };
            }
            Ok(f) => match &input.source {
                Source::FileRange(_, r) => (f, Some(*r)),
                _ => (f, None),
            },
            Err(e) => return send(end(Some(format!("cannot open: {e}")), 0, None)),
        },
    };
    if let Some(r) = byte_range {
        return read_range(i, file, r, opts, send);
    }
    // Only a regular file with a size is mapped. Pipes, FIFOs (`<(zcat …)`),
    // character devices and /proc files are streamed: the stream peeks at
    // the magic itself and replays it, where a seek back would fail and
    // lose the first bytes.
    let len = match file.metadata() {
        Ok(m) if m.is_file() => m.len(),
        _ => 0,
    };
    if opts.mmap
        && len > 0
        && !starts_compressed(&file)
        && let Some(map) = mmap::map(&file, len)
    {
        let map = Arc::new(map);
        let whole = 0..map.len();
        return send_mapped(i, map, whole, opts, send);
    }
    let mut counted = CountingReader {
        inner: file,
        count: 0,
    };
    let (err, compression) = stream_maybe_compressed(i, &mut counted, opts, send);
    send(end(err, counted.count, compression))
}

/// Sends the lines in `span` of a mapped file as chunks, then its end.
/// A BOM is skipped only at offset 0.
fn send_mapped(
    i: usize,
    map: Arc<mmap::GuardedMap>,
    span: Range<usize>,
    opts: ReadOptions,
    send: &mut dyn FnMut(Work) -> bool,
) -> bool {
    let limit = span.end;
    let mut pos = span.start;
    if pos == 0 && map.starts_with(BOM) {
        pos = BOM.len();
    }
    while pos < limit {
        let target = (pos + opts.chunk_size).min(limit);
        let end_pos = if target == limit {
            target
        } else {
            memchr::memchr(b'\n', &map[target..limit]).map_or(limit, |j| target + j + 1)
        };
        let w = Work::Chunk {
            input: i,
            offset: pos as u64,
            data: ChunkData::Mapped(Arc::clone(&map), pos..end_pos),
        };
        if !send(w) {
            return false;
        }
        pos = end_pos;
    }
    send(Work::End {
        input: i,
        error: None,
        raw_bytes: span.len() as u64,
        compression: None,
        mapped: Some(map),
    })
}

/// Reads the lines of byte range `r` of a file (see [`range`]). A
/// compressed file is not split: the range that holds byte 0 reads all of
/// it, any other range reads nothing.
fn read_range(
    i: usize,
    file: File,
    r: ByteRange,
    opts: ReadOptions,
    send: &mut dyn FnMut(Work) -> bool,
) -> bool {
    let end = |error, raw_bytes, compression| end_of_stream(i, error, raw_bytes, compression);
    let regular = file.metadata().ok().filter(|m| m.is_file());
    let Some(len) = regular.map(|m| m.len()) else {
        return send(end(
            Some("a byte range needs a regular file".into()),
            0,
            None,
        ));
    };
    let mut head = [0u8; 4];
    let head_len = match read_head(&file, &mut head) {
        Ok(n) => n,
        Err(e) => return send(end(Some(format!("cannot read: {e}")), 0, None)),
    };
    if let Some(kind) = magic(&head[..head_len]) {
        if r.start > 0 {
            return send(end(None, 0, Some(kind)));
        }
        let mut counted = CountingReader {
            inner: file,
            count: 0,
        };
        let (err, compression) = stream_maybe_compressed(i, &mut counted, opts, send);
        return send(end(err, counted.count, compression));
    }
    if opts.mmap
        && len > 0
        && let Some(map) = mmap::map(&file, len)
    {
        let sp = range::span(&map, r);
        return send_mapped(i, Arc::new(map), sp, opts, send);
    }
    let (reader, start) = match RangeReader::new(file, r) {
        Ok(x) => x,
        Err(e) => return send(end(Some(format!("cannot seek to {r}: {e}")), 0, None)),
    };
    let mut counted = CountingReader {
        inner: reader,
        count: 0,
    };
    let err = stream_lines_from(i, &mut counted, start, usize::MAX, opts, send)
        .err()
        .map(|(at, e)| format!("read failed at byte {at}: {e}"));
    send(end(err, counted.count, None))
}

/// Reads up to `head.len()` bytes from the start of `f` without moving its
/// position.
pub(super) fn read_head(f: &File, head: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < head.len() {
        match read_at(f, &mut head[n..], n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Whether the file at `path` is gzip or zstd (by magic; an unreadable file
/// is not): the progress bar measures such a file differently.
pub fn is_compressed(path: &Path) -> bool {
    File::open(path).is_ok_and(|f| {
        let mut head = [0u8; 4];
        read_head(&f, &mut head).is_ok_and(|n| magic(&head[..n]).is_some())
    })
}

/// Whether a regular file starts with a compression magic, read without
/// moving the file position (a failed read counts as compressed, so the
/// caller streams the file and reports the error).
fn starts_compressed(f: &File) -> bool {
    let mut head = [0u8; 4];
    match read_head(f, &mut head) {
        Ok(n) => magic(&head[..n]).is_some(),
        Err(_) => true,
    }
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, at)
}

#[cfg(not(unix))]
fn read_at(mut f: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    use std::io::Seek;
    f.seek(io::SeekFrom::Start(at))?;
    let n = f.read(buf)?;
    f.seek(io::SeekFrom::Start(0))?;
    Ok(n)
}

fn magic(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some("gzip")
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some("zstd")
    } else {
        None
    }
}

struct CountingReader<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// A reader that lets us look at the first bytes and then replays them.
struct Peeked<'a, R> {
    head: Vec<u8>,
    pos: usize,
    inner: &'a mut R,
}

impl<R: Read> Read for Peeked<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.head.len() {
            let n = (self.head.len() - self.pos).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

fn stream_maybe_compressed<R: Read>(
    i: usize,
    reader: &mut R,
    opts: ReadOptions,
    send: &mut dyn FnMut(Work) -> bool,
) -> (Option<String>, Option<&'static str>) {
    // Eight bytes: the EVTX magic's length (compression magics are shorter).
    let mut head = Vec::with_capacity(8);
    let _ = reader.by_ref().take(8).read_to_end(&mut head);
    if evtx::is_evtx(&head) {
        let (err, _) = evtx::send_stream(i, head, reader, send);
        return (err, Some("evtx"));
    }
    let kind = magic(&head);
    let peeked = Peeked {
        head,
        pos: 0,
        inner: reader,
    };
    let result = match kind {
        Some("gzip") => stream_lines(
            i,
            flate2::read::MultiGzDecoder::new(peeked),
            DECODED_READ,
            opts,
            send,
        ),
        Some(_) => match zstd::stream::read::Decoder::new(peeked) {
            Ok(d) => stream_lines(i, d, DECODED_READ, opts, send),
            Err(e) => Err((0, e)),
        },
        None => stream_lines(i, peeked, usize::MAX, opts, send),
    };
    let err = result.err().map(|(at, e)| match kind {
        Some(k) => format!("{k} stream broken after {at} decompressed bytes: {e}"),
        None => format!("read failed after {at} bytes: {e}"),
    });
    (err, kind)
}

/// The most decoded bytes asked of a decompressor at once. A decoder that
/// meets damage returns the error instead of what it wrote into the buffer
/// during that call: the zstd reader decodes all of its 128 KiB input
/// buffer in one call when the output has room (about 500 KiB of text),
/// then a damaged block or a bad checksum discards all of it. Small reads
/// bound what the damage can take with it to this much.
const DECODED_READ: usize = 32 * 1024;

/// Streams `r` as newline-aligned owned chunks, asking for at most
/// `max_read` bytes per read. On error, returns how many (decoded) bytes
/// were delivered before it; what was read is still sent.
fn stream_lines<R: Read>(
    i: usize,
    r: R,
    max_read: usize,
    opts: ReadOptions,
    send: &mut dyn FnMut(Work) -> bool,
) -> Result<(), (u64, io::Error)> {
    stream_lines_from(i, r, 0, max_read, opts, send)
}

/// [`stream_lines`] for a stream whose first byte is at offset `start` of
/// its input (a byte range); a BOM is skipped only at offset 0.
fn stream_lines_from<R: Read>(
    i: usize,
    mut r: R,
    start: u64,
    max_read: usize,
    opts: ReadOptions,
    send: &mut dyn FnMut(Work) -> bool,
) -> Result<(), (u64, io::Error)> {
    let mut buf: Vec<u8> = Vec::with_capacity(opts.chunk_size + 64 * 1024);
    let mut offset: u64 = start;
    let mut first = start == 0;
    let mut error = None;
    loop {
        if buf.capacity() - buf.len() < 64 * 1024 {
            buf.reserve(opts.chunk_size.max(64 * 1024));
        }
        let spare = (buf.capacity() - buf.len()).min(max_read);
        let old = buf.len();
        // PERF: `read_to_end` fills the spare capacity without zeroing it
        // first; a `resize` + `read` zero-filled 4 MiB per call, which cost
        // more than the scan for small files. On an error the bytes read
        // before it stay in `buf` (and are scanned below).
        let result = (&mut r).take(spare as u64).read_to_end(&mut buf);
        let n = buf.len() - old;
        if let Err(e) = result {
            error = Some(e);
        }
        // Decided once the buffer holds three bytes or cannot be a BOM; a
        // short first read (a pipe) leaves it open, and while it is open
        // the buffer holds no newline, so no chunk leaves before it.
        if first && (buf.len() >= BOM.len() || !BOM.starts_with(&buf) || n == 0) {
            if buf.starts_with(BOM) {
                buf.drain(..BOM.len());
                offset += BOM.len() as u64;
            }
            first = false;
        }
        if n == 0 || error.is_some() {
            break;
        }
        if buf.len() >= opts.chunk_size
            && let Some(nl) = memchr::memrchr(b'\n', &buf)
        {
            let rest = buf.split_off(nl + 1);
            let len = buf.len() as u64;
            let chunk = std::mem::replace(&mut buf, rest);
            if !send(Work::Chunk {
                input: i,
                offset,
                data: ChunkData::Owned(chunk),
            }) {
                return Ok(());
            }
            offset += len;
        }
    }
    if !buf.is_empty() {
        let len = buf.len() as u64;
        if !send(Work::Chunk {
            input: i,
            offset,
            data: ChunkData::Owned(buf),
        }) {
            return Ok(());
        }
        offset += len;
    }
    match error {
        Some(e) => Err((offset, e)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(data: &[u8], chunk: usize) -> (Vec<(u64, Vec<u8>)>, Option<String>) {
        let mut out = Vec::new();
        let mut cursor = io::Cursor::new(data.to_vec());
        let opts = ReadOptions {
            chunk_size: chunk,
            mmap: false,
        };
        let (err, _) = stream_maybe_compressed(0, &mut cursor, opts, &mut |w| {
            if let Work::Chunk { offset, data, .. } = w {
                out.push((offset, data.bytes().to_vec()));
            }
            true
        });
        (out, err)
    }

    #[test]
    fn chunks_are_newline_aligned_and_complete() {
        let data: Vec<u8> = (0..2000)
            .flat_map(|i| format!("{{\"n\":{i}}}\n").into_bytes())
            .collect();
        let (chunks, err) = collect(&data, 100);
        assert!(err.is_none());
        let joined: Vec<u8> = chunks.iter().flat_map(|(_, c)| c.clone()).collect();
        assert_eq!(joined, data);
        for (off, c) in &chunks {
            assert!(c.ends_with(b"\n"));
            assert_eq!(&data[*off as usize..*off as usize + c.len()], &c[..]);
        }
    }

    #[test]
    fn gzip_and_zstd_by_magic() {
        let data = b"{\"a\":1}\n{\"a\":2}\n".repeat(100);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut gz, &data).unwrap();
        let gz = gz.finish().unwrap();
        let (chunks, err) = collect(&gz, 64);
        assert!(err.is_none());
        assert_eq!(
            chunks
                .iter()
                .flat_map(|(_, c)| c.clone())
                .collect::<Vec<_>>(),
            data
        );
        let zs = zstd::encode_all(&data[..], 1).unwrap();
        let (chunks, err) = collect(&zs, 64);
        assert!(err.is_none());
        assert_eq!(
            chunks
                .iter()
                .flat_map(|(_, c)| c.clone())
                .collect::<Vec<_>>(),
            data
        );
        // Truncated: an error, and the lines before the damage still arrive.
        let (chunks, err) = collect(&gz[..gz.len() / 2], 64);
        assert!(err.unwrap().contains("gzip"));
        let got: Vec<u8> = chunks.iter().flat_map(|(_, c)| c.clone()).collect();
        assert!(data.starts_with(&got[..got.len().min(data.len())]));
    }

    #[test]
    fn bom_is_skipped_with_offsets_kept() {
        let (chunks, _) = collect(b"\xEF\xBB\xBF{\"a\":1}\n", 1 << 20);
        assert_eq!(chunks, vec![(3, b"{\"a\":1}\n".to_vec())]);
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"*.ndjson", b"a.ndjson"));
        assert!(glob_match(b"a?c*", b"abc.gz"));
        assert!(!glob_match(b"*.zst", b"a.gz"));
    }
}
