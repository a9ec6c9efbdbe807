//! Bad input through the `sigscan` binary, by input kind: directories (recursion, globs,
//! symlink loops, special files), stdin, many files at once, pipes named as files, missing,
//! unreadable and empty files, `--no-mmap`, and a file truncated while it is read. Nothing may
//! be lost: every test checks the message (naming the file, or how far reading got), the exit
//! status, and the `--stats` accounting `lines = events + invalid_lines + empty_lines`, per
//! input and in total (checked on every run by `util::seed`), plus the expected hits.

mod util;

use std::fs;
use std::process::{Command, Stdio};
use std::time::Duration;

use util::seed::*;

#[test]
fn directories_are_searched_recursively_and_glob_filters_file_names() {
    let t = tmp();
    let d = t.path();
    write(d, "logs/a.ndjson", &lines(&[hit(1), miss(2)]));
    write(d, "logs/notes.txt", &lines(&[hit(1)]));
    write(d, "logs/sub/b.ndjson", &lines(&[miss(1), hit(2), hit(3)]));
    write(d, "logs/sub/deeper/c.ndjson.gz", &gzip(&lines(&[hit(1)])));

    let run = scan(d, &["--glob", "*.ndjson*", "logs"]);
    run.expect(0);
    let files: Vec<&str> = run.stats()["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    // Sorted walk, names as found under the directory argument; notes.txt filtered out.
    assert_eq!(
        files,
        [
            "logs/a.ndjson",
            "logs/sub/b.ndjson",
            "logs/sub/deeper/c.ndjson.gz"
        ]
    );
    assert_eq!(run.hit_lines("logs/a.ndjson"), [1]);
    assert_eq!(run.hit_lines("logs/sub/b.ndjson"), [2, 3]);
    assert_eq!(run.hit_lines("logs/sub/deeper/c.ndjson.gz"), [1]);
    assert_eq!(u(run.stats(), "hits"), 4);
    assert_eq!(
        run.input("logs/sub/deeper/c.ndjson.gz")["compression"],
        "gzip"
    );

    // Without --glob every file is an input, whatever its name.
    let run = scan(d, &["logs"]);
    run.expect(0);
    assert_eq!(u(run.stats(), "files"), 4);
    assert_eq!(run.hit_lines("logs/notes.txt"), [1]);
}

#[cfg(unix)]
#[test]
fn directory_symlink_loops_are_walked_once() {
    let t = tmp();
    let d = t.path();
    write(d, "logs/a.ndjson", &lines(&[hit(1)]));
    write(d, "logs/sub/b.ndjson", &lines(&[hit(1)]));
    std::os::unix::fs::symlink("..", d.join("logs/sub/up")).unwrap();
    std::os::unix::fs::symlink(".", d.join("logs/self")).unwrap();
    // Before the walk remembered the directories it had seen, this never finished (every link
    // doubles the tree until the kernel's ELOOP limit, and memory ran out first).
    let run = scan_within(d, &["logs"], None, Duration::from_secs(60));
    run.expect(0);
    assert_eq!(u(run.stats(), "files"), 2, "{}", run.stats());
    assert_eq!(u(run.stats(), "hits"), 2);
}

#[cfg(unix)]
#[test]
fn special_files_under_a_directory_are_reported_not_opened() {
    let t = tmp();
    let d = t.path();
    write(d, "logs/a.ndjson", &lines(&[hit(1)]));
    let made = Command::new("mkfifo")
        .arg(d.join("logs/pipe.ndjson"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo unavailable");
        return;
    }
    // Opening a FIFO nobody writes to blocks forever; under a directory it is skipped and
    // reported (status 1: an input was not read).
    let run = scan_within(d, &["logs"], None, Duration::from_secs(60));
    run.expect(1)
        .stderr_has("logs/pipe.ndjson: not a regular file (skipped)");
    assert_eq!(run.hit_lines("logs/a.ndjson"), [1]);
    assert_eq!(u(run.stats(), "unreadable_inputs"), 1);
}

#[test]
fn stdin_is_read_with_dash_plain_or_compressed() {
    let t = tmp();
    let d = t.path();
    let data = lines(&[miss(1), hit(2), String::new(), hit(4)]);
    let run = scan_stdin(d, &["-"], Some(data.clone()));
    run.expect(0);
    assert_eq!(run.hit_lines("-"), [2, 4]);
    let s = run.input("-");
    assert_eq!(
        (u(s, "lines"), u(s, "events"), u(s, "empty_lines")),
        (4, 3, 1)
    );
    assert_eq!(u(s, "bytes"), data.len() as u64);
    assert_eq!(u(s, "raw_bytes"), data.len() as u64);

    // Compressed stdin is recognised by its magic bytes.
    for (packed, kind) in [(gzip(&data), "gzip"), (zstd(&data), "zstd")] {
        let run = scan_stdin(d, &["-"], Some(packed.clone()));
        run.expect(0);
        assert_eq!(run.hit_lines("-"), [2, 4], "{kind}");
        let s = run.input("-");
        assert_eq!(s["compression"], kind);
        assert_eq!(u(s, "bytes"), data.len() as u64);
        assert_eq!(u(s, "raw_bytes"), packed.len() as u64);
    }
}

/// Many files, plain and compressed (the compressed ones among the next few inputs are decoded
/// ahead, in parallel): records and stats come out in the order the inputs were given, a damaged
/// file among them is reported in its place.
#[test]
fn many_files_at_once_keep_input_order() {
    let t = tmp();
    let d = t.path();
    let mut expected = Vec::new();
    let names = [
        "c.ndjson",
        "a.ndjson.gz",
        "b.ndjson.zst",
        "f.gz",
        "g.zst",
        "e.ndjson",
        "h.gz",
        "i.zst",
        "d.ndjson",
        "j.gz",
    ];
    for (k, name) in names.iter().enumerate() {
        let mut ls = Vec::new();
        for i in 1..=400 {
            ls.push(if i % (k + 2) == 0 { hit(i) } else { miss(i) });
        }
        let data = lines(&ls);
        let mut bytes = if name.ends_with(".gz") {
            gzip(&data)
        } else if name.ends_with(".zst") {
            zstd(&data)
        } else {
            data
        };
        let mut n = 400;
        if *name == "h.gz" {
            // Truncated: the lines before the cut still come, in their place.
            bytes.truncate(bytes.len() - 100);
            n = 0;
        }
        write(d, name, &bytes);
        expected.extend(
            (1..=n)
                .filter(|i| i % (k as u64 + 2) == 0)
                .map(|i| (name.to_string(), i)),
        );
    }
    // Small chunks and two workers: results come back out of order and must be put back.
    let mut args = vec!["--chunk-size", "512", "-j", "2", "--no-event"];
    args.extend(&names);
    let run = scan(d, &args);
    run.expect(1)
        .stderr_has("sigscan: h.gz: gzip stream broken after ");
    let got: Vec<(String, u64)> = run
        .records
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
            )
        })
        .filter(|(f, _)| f != "h.gz")
        .collect();
    assert_eq!(
        got, expected,
        "records ordered by input as given, then line"
    );
    let h = run.hit_lines("h.gz");
    assert!(!h.is_empty());
    assert_eq!(h, (1..=h.len() as u64).map(|i| 8 * i).collect::<Vec<_>>());
    let order: Vec<&str> = run.stats()["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    assert_eq!(order, names);
    assert_eq!(u(run.stats(), "unreadable_inputs"), 1);
}

/// A FIFO or pipe named as a file (`<(zcat …)`, `/dev/stdin`) cannot be rewound: the first bytes,
/// read to look for a compression magic, used to be lost (the first event vanished, and gzip
/// through a pipe was not recognised at all).
#[cfg(target_os = "linux")]
#[test]
fn pipes_named_as_files_keep_their_first_bytes() {
    let t = tmp();
    let d = t.path();
    let data = lines(&[hit(1), miss(2), hit(3)]);
    let bom = [b"\xEF\xBB\xBF".as_slice(), &data].concat();
    for (what, bytes, kind) in [
        ("plain", data.clone(), None),
        ("bom", bom, None),
        ("gzip", gzip(&data), Some("gzip")),
        ("zstd", zstd(&data), Some("zstd")),
    ] {
        for mmap in [true, false] {
            let mut args = vec!["/dev/stdin"];
            if !mmap {
                args.push("--no-mmap");
            }
            let run = scan_stdin(d, &args, Some(bytes.clone()));
            run.expect(0);
            assert_eq!(run.hit_lines("/dev/stdin"), [1, 3], "{what}, mmap {mmap}");
            let s = run.input("/dev/stdin");
            assert_eq!(s["compression"].as_str(), kind, "{what}");
            assert_eq!(u(s, "raw_bytes"), bytes.len() as u64, "{what}");
            assert_eq!(u(s, "bytes"), data.len() as u64, "{what}");
        }
    }
}

#[test]
fn a_missing_file_is_reported_and_the_others_scanned() {
    let t = tmp();
    let d = t.path();
    write(d, "a.ndjson", &lines(&[hit(1)]));
    write(d, "b.ndjson", &lines(&[miss(1), hit(2)]));
    let run = scan(d, &["a.ndjson", "missing.ndjson", "b.ndjson"]);
    run.expect(1)
        .stderr_has("sigscan: missing.ndjson: cannot open: No such file or directory");
    assert_eq!(run.hit_lines("a.ndjson"), [1]);
    assert_eq!(run.hit_lines("b.ndjson"), [2]);
    // The missing file has its place in the per-input stats.
    let s = run.input("missing.ndjson");
    assert!(s["error"].as_str().unwrap().contains("cannot open"), "{s}");
    assert_eq!((u(s, "lines"), u(s, "raw_bytes")), (0, 0));
    assert_eq!(u(run.stats(), "unreadable_inputs"), 1);
    assert_eq!(u(run.stats(), "files"), 3);
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported_and_the_others_scanned() {
    let t = tmp();
    let d = t.path();
    write(d, "ok.ndjson", &lines(&[hit(1)]));
    std::os::unix::fs::symlink("nowhere", d.join("dangling.ndjson")).unwrap();
    let mut args = vec!["dangling.ndjson", "ok.ndjson"];
    // Opens, then fails on the first read (EIO): "how far it got" is 0 bytes.
    if cfg!(target_os = "linux") {
        args.push("/proc/self/mem");
    }
    // Without read permission (root reads anyway, so only checked for other users).
    let locked = write(d, "locked.ndjson", &lines(&[hit(1)]));
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let locked_out = fs::File::open(&locked).is_err();
    if locked_out {
        args.push("locked.ndjson");
    }
    let run = scan(d, &args);
    run.expect(1)
        .stderr_has("sigscan: dangling.ndjson: cannot open: No such file or directory");
    if cfg!(target_os = "linux") {
        run.stderr_has("sigscan: /proc/self/mem: read failed after 0 bytes");
    }
    if locked_out {
        run.stderr_has("sigscan: locked.ndjson: cannot open: Permission denied");
    }
    assert_eq!(run.hit_lines("ok.ndjson"), [1]);
    assert_eq!(u(run.stats(), "unreadable_inputs"), args.len() as u64 - 1);
}

#[test]
fn empty_files_are_read_as_zero_lines() {
    let t = tmp();
    let d = t.path();
    write(d, "empty.ndjson", b"");
    write(d, "empty.gz", b"");
    write(d, "empty-content.ndjson.gz", &gzip(b""));
    write(d, "empty-content.ndjson.zst", &zstd(b""));
    write(d, "bom-only.ndjson", b"\xEF\xBB\xBF");
    write(d, "blank.ndjson", b"\n \n\r\n\t");
    let names = [
        "empty.ndjson",
        "empty.gz",
        "empty-content.ndjson.gz",
        "empty-content.ndjson.zst",
        "bom-only.ndjson",
    ];
    for extra in [None, Some("--no-mmap")] {
        let mut args: Vec<&str> = extra.into_iter().collect();
        args.extend(names);
        args.push("blank.ndjson");
        let run = scan(d, &args);
        run.expect(0);
        for name in names {
            let s = run.input(name);
            assert_eq!((u(s, "lines"), u(s, "bytes")), (0, 0), "{name}: {s}");
            assert!(s["error"].is_null(), "{name}: {s}");
        }
        assert_eq!(run.input("empty-content.ndjson.gz")["compression"], "gzip");
        assert_eq!(run.input("empty-content.ndjson.zst")["compression"], "zstd");
        let s = run.input("blank.ndjson");
        assert_eq!((u(s, "lines"), u(s, "empty_lines")), (4, 4));
        assert!(run.records.is_empty());
    }
}

/// `--no-mmap` reads files with `read()`: the same results as mapping them.
#[test]
fn no_mmap_reads_files_the_same_way() {
    let t = tmp();
    let d = t.path();
    let mut data = hit_lines(2000);
    data.extend_from_slice(&lines(&[miss(1), "oops".into(), String::new()]));
    write(d, "a.ndjson", &data);
    let a = scan(d, &["--chunk-size", "4096", "a.ndjson"]);
    let b = scan(d, &["--chunk-size", "4096", "--no-mmap", "a.ndjson"]);
    a.expect(1);
    b.expect(1);
    assert_eq!(a.stdout, b.stdout);
    let (sa, sb) = (a.input("a.ndjson"), b.input("a.ndjson"));
    for key in [
        "lines",
        "events",
        "invalid_lines",
        "empty_lines",
        "bytes",
        "raw_bytes",
        "hits",
    ] {
        assert_eq!(sa[key], sb[key], "{key}");
    }
    assert_eq!(u(sa, "hits"), 2000);
}

/// A file truncated while it is scanned. Memory-mapped, touching the pages that vanished raises
/// SIGBUS and kills the process: the documented risk of mapping (src/scan/mmap.rs), accepted for
/// archived logs; `--no-mmap` is the answer for files that may change. Read with `read()`, a
/// truncation just ends the file early: whatever was read is counted, nothing crashes.
#[test]
fn a_file_truncated_during_a_no_mmap_scan_is_not_a_crash() {
    let t = tmp();
    let d = t.path();
    let data = mostly_misses(100_000); // ~29 MB
    let p = write(d, "live.ndjson", &data);
    let rule = rule_path();
    let child = command(d)
        .args([
            "scan",
            "--rules",
            rule.to_str().unwrap(),
            "--stats",
            "--no-pin",
        ])
        .args([
            "--no-mmap",
            "--no-event",
            "--chunk-size",
            "65536",
            "-j",
            "1",
        ])
        .arg("live.ndjson")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(30));
    fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(data.len() as u64 / 3)
        .unwrap();
    let (status, stdout, stderr) = wait_within(child, LIMIT);
    let run = parse_run(status, stdout, stderr);
    // 0 if it finished before the cut or the cut fell on a line end, 1 if a partial line at the
    // cut was counted invalid; never a signal.
    let code = run.code();
    assert!(code == 0 || code == 1, "status {code}:\n{}", run.stderr);
    check_accounting(&run);
    let s = run.input("live.ndjson");
    assert!(u(s, "lines") <= 100_000);
    assert!(u(s, "invalid_lines") <= 1);
    let hits = run.hit_lines("live.ndjson");
    let expected: Vec<u64> = (1..=hits.len() as u64).map(|k| 100 * k).collect();
    assert_eq!(hits, expected);
}
