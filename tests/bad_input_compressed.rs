//! Compressed input through the `sigscan` binary: gzip and zstd recognised by extension and by
//! magic, and truncated or corrupt archives, which report how far they got and keep the events
//! before the damage. The `--stats` accounting is checked on every run (`util::seed`).

mod util;

use util::seed::*;

#[test]
fn gzip_and_zstd_are_recognised_by_extension_and_by_magic() {
    let t = tmp();
    let d = t.path();
    let data = hit_lines(3000);
    let (gz, zs) = (gzip(&data), zstd(&data));
    // Concatenated gzip members and zstd frames are one stream (as `cat a.gz b.gz` makes).
    let half = data.len() / 2;
    let cut = half + data[half..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let gz2 = [gzip(&data[..cut]), gzip(&data[cut..])].concat();
    let zs2 = [zstd(&data[..cut]), zstd(&data[cut..])].concat();
    let files: [(&str, &[u8], &str); 6] = [
        ("x.ndjson.gz", &gz, "gzip"),
        ("x.ndjson.zst", &zs, "zstd"),
        ("renamed-gzip.log", &gz, "gzip"),
        ("renamed-zstd.ndjson", &zs, "zstd"),
        ("members.gz", &gz2, "gzip"),
        ("frames.zst", &zs2, "zstd"),
    ];
    for (name, bytes, _) in &files {
        write(d, name, bytes);
    }
    let names: Vec<&str> = files.iter().map(|f| f.0).collect();
    for mmap in [true, false] {
        let mut args = vec!["--no-event"];
        if !mmap {
            args.push("--no-mmap");
        }
        args.extend(&names);
        let run = scan(d, &args);
        run.expect(0);
        for (name, bytes, kind) in &files {
            let s = run.input(name);
            assert_eq!(s["compression"], *kind, "{name}");
            assert_eq!(
                u(s, "raw_bytes"),
                bytes.len() as u64,
                "{name}: bytes on disk"
            );
            assert_eq!(u(s, "bytes"), data.len() as u64, "{name}: bytes decoded");
            assert_eq!(u(s, "lines"), 3000, "{name}");
            assert_eq!(
                run.hit_lines(name),
                (1..=3000).collect::<Vec<_>>(),
                "{name}"
            );
        }
    }
}

/// Checks a damaged compressed input: status 1, the error names the file and how far decoding
/// got, that is the decoded byte count in the stats; every complete line before the damage is
/// scanned (hits are exactly lines 1..=k, at least `min_lines` of them); at most one partial line
/// at the cut counts as invalid.
fn check_damaged(run: &Run, name: &str, kind: &str, raw: usize, min_lines: u64) {
    run.expect(1);
    let s = run.input(name);
    let decoded = u(s, "bytes");
    run.stderr_has(&format!(
        "sigscan: {name}: {kind} stream broken after {decoded} decompressed bytes: "
    ))
    .stderr_has(&format!("(scanned {} lines before it)", u(s, "lines")));
    assert!(
        s["error"].as_str().unwrap().contains("stream broken"),
        "{s}"
    );
    assert_eq!(
        u(s, "raw_bytes"),
        raw as u64,
        "{name}: compressed bytes read"
    );
    assert_eq!(s["compression"], kind);
    let hits = run.hit_lines(name);
    assert_eq!(
        hits,
        (1..=hits.len() as u64).collect::<Vec<_>>(),
        "{name}: a prefix"
    );
    assert!(
        hits.len() as u64 >= min_lines,
        "{name}: only {} lines",
        hits.len()
    );
    // At most one partial line at the cut: invalid, or (cut right after a `}` before the
    // literal) a shape-checked event.
    assert!(u(s, "lines") - hits.len() as u64 <= 1, "{name}: {s}");
}

#[test]
fn truncated_gzip_and_zstd_report_how_far_they_got() {
    let t = tmp();
    let d = t.path();
    let data = hit_lines(3000);
    let gz = gzip(&data);
    let zs = zstd(&data);
    let gz_cut = &gz[..gz.len() / 2];
    let zs_cut = &zs[..zs.len() / 2];
    write(d, "cut.ndjson.gz", gz_cut);
    write(d, "cut.ndjson.zst", zs_cut);
    write(d, "after.ndjson", &lines(&[hit(1)]));
    for extra in [None, Some("--no-mmap")] {
        let mut args = vec![
            "--no-event",
            "cut.ndjson.gz",
            "cut.ndjson.zst",
            "after.ndjson",
        ];
        args.extend(extra);
        let run = scan(d, &args);
        // Half the compressed bytes hold about half the lines; zstd's last block is lost.
        check_damaged(&run, "cut.ndjson.gz", "gzip", gz_cut.len(), 1200);
        check_damaged(&run, "cut.ndjson.zst", "zstd", zs_cut.len(), 900);
        assert_eq!(run.hit_lines("after.ndjson"), [1], "the scan goes on");
        assert_eq!(u(run.stats(), "unreadable_inputs"), 2);
    }
}

#[test]
fn corrupt_gzip_and_zstd_keep_the_events_before_the_damage() {
    let t = tmp();
    let d = t.path();
    let data = hit_lines(3000);
    // A good member/frame followed by a damaged one: all of the first is scanned.
    let garbage: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 251) as u8).collect();
    // gzip: compression method 7 does not exist; zstd: the frame header's reserved bit is set.
    let gz = [gzip(&data), b"\x1f\x8b\x07\x00".to_vec(), garbage.clone()].concat();
    let zs = [zstd(&data), b"\x28\xb5\x2f\xfd\x08".to_vec(), garbage].concat();
    write(d, "tail.gz", &gz);
    write(d, "tail.zst", &zs);
    // Bytes flipped at a fifth of the stream (inside the first 128 KiB, which the zstd reader
    // takes in at once): the damage is found in the middle or by the checksum at the end; the
    // blocks before it decode.
    let flip = |mut v: Vec<u8>| {
        let at = v.len() / 5;
        for b in &mut v[at..at + 64] {
            *b ^= 0x5a;
        }
        v
    };
    let gz_flip = flip(gzip(&data));
    let zs_flip = flip(zstd(&data));
    write(d, "flip.gz", &gz_flip);
    write(d, "flip.zst", &zs_flip);
    // Only the checksum damaged (zstd: the last 4 bytes; gzip: the CRC-32 before the length).
    let mut zs_sum = zstd(&data);
    let n = zs_sum.len();
    zs_sum[n - 4..].iter_mut().for_each(|b| *b ^= 0xff);
    let mut gz_sum = gzip(&data);
    let n = gz_sum.len();
    gz_sum[n - 8..n - 4].iter_mut().for_each(|b| *b ^= 0xff);
    write(d, "sum.zst", &zs_sum);
    write(d, "sum.gz", &gz_sum);
    let run = scan(
        d,
        &[
            "--no-event",
            "-q",
            "tail.gz",
            "tail.zst",
            "flip.gz",
            "flip.zst",
            "sum.gz",
            "sum.zst",
        ],
    );
    // A bad checksum is found after the last byte was decoded: gzip keeps every line; zstd at
    // most loses the last read of decoded bytes, 32 KiB (~110 lines); it used to lose all that
    // was decoded from the last 128 KiB of input (~450 lines here, all of a smaller file).
    for (name, kind, len, min) in [
        ("sum.gz", "gzip", gz_sum.len(), 3000),
        ("sum.zst", "zstd", zs_sum.len(), 2850),
    ] {
        check_damaged(&run, name, kind, len, min);
    }
    check_damaged(&run, "tail.gz", "gzip", gz.len(), 3000);
    check_damaged(&run, "tail.zst", "zstd", zs.len(), 3000);
    assert_eq!(u(run.input("tail.gz"), "bytes"), data.len() as u64);
    assert_eq!(u(run.input("tail.zst"), "bytes"), data.len() as u64);
    for (name, kind, len) in [
        ("flip.gz", "gzip", gz_flip.len()),
        ("flip.zst", "zstd", zs_flip.len()),
    ] {
        let s = run.input(name);
        run.stderr_has(&format!(
            "sigscan: {name}: {kind} stream broken after {} decompressed bytes",
            u(s, "bytes")
        ));
        assert_eq!(u(s, "raw_bytes"), len as u64);
        // Garbage decoded after the damage may be invalid lines, or even events that do not
        // hit; but the lines of the first zstd block (128 KiB, ~450 lines) are intact hits
        // (zstd used to lose everything decoded in the read call that met the damage).
        let hits = run.hit_lines(name);
        assert!(hits.len() >= 300, "{name}: {} hits", hits.len());
        assert_eq!(hits[..300], (1..=300).collect::<Vec<_>>()[..], "{name}");
    }
}
