//! Output through the `sigscan` binary: `--output` written atomically (a failed write leaves
//! the old file and no temporary), a FIFO written in place, and a closed stdout ending the scan
//! quietly.

mod util;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use util::seed::*;

fn dir_names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn output_file_is_written_atomically() {
    let t = tmp();
    let d = t.path();
    write(d, "in/a.ndjson", &lines(&[hit(1), miss(2), hit(3)]));
    write(d, "in/b.ndjson.gz", &gzip(&lines(&[hit(1)])));
    let to_stdout = scan(d, &["in"]);
    to_stdout.expect(0);
    assert_eq!(to_stdout.records.len(), 3);

    fs::create_dir(d.join("out")).unwrap();
    assert!(!d.join("out/hits.jsonl").exists());
    let run = scan(d, &["-o", "out/hits.jsonl", "in"]);
    run.expect(0);
    assert!(run.stdout.is_empty(), "hits go to the file only");
    assert_eq!(
        fs::read(d.join("out/hits.jsonl")).unwrap(),
        to_stdout.stdout
    );
    assert_eq!(
        dir_names(&d.join("out")),
        ["hits.jsonl"],
        "no temporary file left"
    );

    // A second run replaces the file whole.
    write(d, "in/a.ndjson", &lines(&[hit(1)]));
    let run = scan(d, &["--output", "out/hits.jsonl", "in"]);
    run.expect(0);
    let again = fs::read_to_string(d.join("out/hits.jsonl")).unwrap();
    assert_eq!(again.lines().count(), 2);
    assert_eq!(dir_names(&d.join("out")), ["hits.jsonl"]);

    // Through a symbolic link, the file it names is replaced and the link kept.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("hits.jsonl", d.join("out/link.jsonl")).unwrap();
        write(d, "in/a.ndjson", &lines(&[hit(1), hit(2)]));
        let run = scan(d, &["-o", "out/link.jsonl", "in"]);
        run.expect(0);
        assert!(
            fs::symlink_metadata(d.join("out/link.jsonl"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let text = fs::read_to_string(d.join("out/hits.jsonl")).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert_eq!(dir_names(&d.join("out")), ["hits.jsonl", "link.jsonl"]);
    }

    // An output in a missing directory is fatal before anything is scanned.
    let run = scan(d, &["-o", "nowhere/hits.jsonl", "in"]);
    run.expect(2)
        .stderr_has("nowhere/hits.jsonl: cannot create its temporary file")
        .stderr_has("nowhere/.hits.jsonl.");
    assert!(!d.join("nowhere").exists());
}

/// A write that fails mid-scan (here: the file size limit, with SIGXFSZ ignored so the write
/// returns EFBIG) is fatal, names the output, leaves the previous file as it was and no temporary
/// file behind (the temporary file used to be left).
#[cfg(target_os = "linux")]
#[test]
fn a_failed_output_write_leaves_the_old_file_and_no_temporary() {
    let t = tmp();
    let d = t.path();
    let ls: Vec<String> = (1..=2000).map(hit).collect();
    write(d, "a.ndjson", &lines(&ls));
    write(d, "out/hits.jsonl", b"previous\n");
    let rule = rule_path();
    let script = format!(
        "trap '' XFSZ; ulimit -f 64; exec '{}' scan --rules '{}' -o out/hits.jsonl a.ndjson",
        util::bin().display(),
        rule.display()
    );
    let out = Command::new("sh")
        .current_dir(d)
        .args(["-c", &script])
        .output()
        .unwrap();
    let run = parse_run(out.status, out.stdout, out.stderr);
    run.expect(2)
        .stderr_has("sigscan: writing output to ")
        .stderr_has("out/hits.jsonl: File too large");
    assert_eq!(fs::read(d.join("out/hits.jsonl")).unwrap(), b"previous\n");
    assert_eq!(dir_names(&d.join("out")), ["hits.jsonl"]);
}

/// An output that exists and is not a regular file (a FIFO, `/dev/null`) is written in place:
/// renaming a temporary file over it replaced the node with a plain file (as root, `-o
/// /dev/null` destroyed /dev/null).
#[cfg(target_os = "linux")]
#[test]
fn output_to_a_fifo_is_written_in_place() {
    let t = tmp();
    let d = t.path();
    write(d, "a.ndjson", &lines(&[hit(1), hit(2)]));
    fs::create_dir(d.join("out")).unwrap();
    let fifo = d.join("out/fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo unavailable");
        return;
    }
    // A second name for the FIFO, to release the reader should sigscan never open it (or
    // replace it).
    let keep = d.join("fifo.keep");
    fs::hard_link(&fifo, &keep).unwrap();
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            s
        })
    };
    let run = scan_within(
        d,
        &["-o", "out/fifo", "a.ndjson"],
        None,
        Duration::from_secs(60),
    );
    std::thread::sleep(Duration::from_millis(100));
    if !reader.is_finished() {
        drop(fs::OpenOptions::new().write(true).open(&keep));
    }
    let got = reader.join().unwrap();
    run.expect(0);
    assert_eq!(got.lines().count(), 2, "{got}");
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(dir_names(&d.join("out")), ["fifo"]);
}

/// `sigscan … | head -1`: once the reader is gone the scan ends quietly with status 0.
#[test]
fn a_closed_pipe_ends_the_scan_quietly() {
    let t = tmp();
    let d = t.path();
    // ~6 MB of hit records: far more than a pipe buffer.
    write(d, "many.ndjson", &hit_lines(20_000));
    let rule = rule_path();
    for extra in [None, Some("--stats")] {
        let mut child = command(d)
            .args(["scan", "--rules", rule.to_str().unwrap(), "--no-pin"])
            .args(extra)
            .arg("many.ndjson")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        {
            let mut r = BufReader::new(child.stdout.take().unwrap());
            r.read_line(&mut first).unwrap();
        } // the read end is closed here
        let (status, stdout, stderr) = wait_within(child, LIMIT);
        let run = parse_run(status, stdout, stderr);
        run.expect(0)
            .stderr_lacks("Broken pipe")
            .stderr_lacks("writing output");
        let rec: Value = serde_json::from_str(&first).unwrap();
        assert_eq!(rec["line"], 1);
        assert_eq!(rec["rule_id"], RULE_ID);
    }
}
