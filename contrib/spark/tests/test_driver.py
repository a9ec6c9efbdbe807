"""The Spark driver against one local sigscan run (issue #9).

Every test compares whole hit records (file, line, offset, rule, event, ...)
with a plain `sigscan scan` over the same inputs, so a lost, repeated or
misnumbered line fails it."""

import glob
import json
import os
import subprocess

import pytest

import sigscan_spark
from conftest import awkward_lines, gen


def local_run(sigscan, rules, inputs, *flags):
    """Records of one local sigscan run, as parsed JSON objects."""
    p = subprocess.run(
        [sigscan, "scan", "--rules", rules, "--quiet"] + list(flags) + ["--"] + list(inputs),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert p.returncode in (0, 1), p.stderr.decode()
    return [json.loads(l) for l in p.stdout.decode().splitlines()]


def key(r):
    return (r["file"], r["line"], r["rule_id"])


def driver(spark, sigscan, rules, out, inputs, *flags, split_for=None):
    """Runs the driver; returns (records in output order, summary)."""
    args = sigscan_spark.parse_args(
        ["--sigscan", sigscan, "--rules", rules, "--output", str(out)] + list(flags) + list(inputs)
    )
    summary = sigscan_spark.run(spark, args, split_for=split_for)
    with open(os.path.join(str(out), "_sigscan_summary.json")) as f:
        assert json.load(f) == summary
    records = []
    if "parquet" not in flags:
        for part in sorted(glob.glob(os.path.join(str(out), "part-*"))):
            with open(part, encoding="utf-8") as f:
                records += [json.loads(l) for l in f]
    return records, summary


def assert_same(got, want):
    assert len(want) > 0
    assert [key(r) for r in got] == sorted(key(r) for r in got), "output sorted by file, line, rule"
    got_sorted = sorted(got, key=key)
    want_sorted = sorted(want, key=key)
    assert [key(r) for r in got_sorted] == [key(r) for r in want_sorted]
    assert got_sorted == want_sorted


def test_driver_equals_one_local_run_over_mixed_inputs(spark, sigscan, rules, corpus, tmp_path):
    names = sorted(os.path.relpath(p, corpus) for p in glob.glob(corpus + "/**/*", recursive=True))
    assert any(n.endswith(".gz") for n in names) and any(n.endswith(".zst") for n in names), names
    want = local_run(sigscan, rules, [corpus])
    assert len({r["rule_id"] for r in want}) == 2, "both rules hit"
    got, summary = driver(spark, sigscan, rules, tmp_path / "out", [corpus], "--split-bytes", "200000")
    assert summary["tasks"] > summary["files"], "big plain files were split into ranges"
    assert summary["hits"] == len(want)
    assert summary["problems"] == [] or all(p["status"] == 1 for p in summary["problems"])
    assert_same(got, want)
    hashes = {r["ruleset_hash"] for r in got}
    assert hashes == {summary["ruleset_hash"]} == {r["ruleset_hash"] for r in want}
    assert {r["schema_version"] for r in got} == {2}


def test_a_task_that_fails_once_is_retried_and_the_result_is_exact(
    spark, sigscan, rules, corpus, tmp_path
):
    want = local_run(sigscan, rules, [corpus])
    markers = tmp_path / "markers"
    markers.mkdir()
    got, summary = driver(
        spark,
        sigscan,
        rules,
        tmp_path / "out",
        [corpus],
        "--split-bytes",
        "300000",
        "--fail-once",
        "big.ndjson",
        str(markers),
    )
    failed = os.listdir(str(markers))
    assert len(failed) >= 2, "every range task of big.ndjson failed once: %s" % failed
    assert summary["retried_tasks"] == len(failed)
    assert_same(got, want)


@pytest.mark.parametrize("stage", [False, True], ids=["direct", "staged"])
def test_byte_range_stitching_over_1_to_32_ranges(spark, sigscan, sigscan_gen, rules, tmp_path, stage):
    """One file split into k = 1..32 ranges, all in one Spark job: the file is
    linked under 32 names, and name k is split into k ranges. Staged: read as
    a file:// URI through the copy-then-scan path that remote inputs take."""
    path = tmp_path / "one.ndjson"
    gen(sigscan_gen, tmp_path / "g.ndjson", 60_000, 7, "0.5")
    path.write_bytes(awkward_lines() + b"\n" + (tmp_path / "g.ndjson").read_bytes())
    want = local_run(sigscan, rules, [str(path)])
    size = path.stat().st_size
    links = tmp_path / "links"
    links.mkdir()
    counts = range(1, 33) if not stage else (1, 2, 3, 5, 13, 32)
    for k in counts:
        os.link(str(path), str(links / ("k%02d.ndjson" % k)))

    def ranges(uri):
        return int(os.path.basename(uri)[1:3])

    inputs = ["file://" + str(links)] if stage else [str(links)]
    flags = ["--stage-all"] if stage else []
    got, summary = driver(
        spark,
        sigscan,
        rules,
        tmp_path / "out",
        inputs,
        *flags,
        split_for=lambda uri, size: -(-size // ranges(uri)),
    )
    assert summary["tasks"] == sum(counts)
    data = path.read_bytes()
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    assert summary["lines"] == lines * len(counts)
    by_link = {}
    for r in got:
        by_link.setdefault(ranges(r["file"]), []).append(r)
    assert sorted(by_link) == list(counts)
    for k, recs in by_link.items():
        for r in recs:
            assert r["file"].startswith("file:") == stage
            r["file"] = str(path)
        assert sorted(recs, key=key) == sorted(want, key=key), "%d ranges" % k


def test_parquet_output(spark, sigscan, rules, corpus, tmp_path):
    want = local_run(sigscan, rules, [corpus])
    driver(spark, sigscan, rules, tmp_path / "pq", [corpus], "--format", "parquet", "--split-bytes", "500000")
    rows = spark.read.parquet(str(tmp_path / "pq")).collect()
    got = []
    for row in rows:
        r = row.asDict()
        for k in ("event", "matched", "record_id"):
            if r[k] is not None:
                r[k] = json.loads(r[k])
        got.append(r)
    assert sorted(got, key=key) == sorted(want, key=key)


def test_a_fatal_sigscan_status_fails_the_job_after_retries(spark, sigscan, corpus, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("title: no detection\nlogsource: {product: windows}\n")
    with pytest.raises(Exception) as e:
        driver(spark, sigscan, str(bad), tmp_path / "out", [corpus])
    assert "sigscan exited with status 2" in str(e.value)
    assert not os.path.exists(str(tmp_path / "out" / "_SUCCESS"))


def test_shard_union_equals_one_run(sigscan, rules, corpus):
    want = local_run(sigscan, rules, [corpus])
    for n in range(1, 6):
        union = []
        for k in range(n):
            union += local_run(sigscan, rules, [corpus], "--shard", "%d/%d" % (k, n))
        assert sorted(union, key=key) == sorted(want, key=key), "N = %d" % n


def test_plan_tasks():
    files = [("a.ndjson", 1000), ("b.ndjson.gz", 5000), ("c.ndjson", 10), ("d.zst", 0), ("e.gz", 60)]
    tasks = sigscan_spark.plan_tasks(files, 300)
    assert [t["uri"] for t in tasks] == ["b.ndjson.gz", "e.gz"] + ["a.ndjson"] * 4 + ["c.ndjson", "d.zst"], (
        "largest first; compressed files count for what they will decode to"
    )
    assert [t["id"] for t in tasks] == list(range(len(tasks)))
    a = sorted((t["start"], t["end"]) for t in tasks if t["uri"] == "a.ndjson")
    assert a == [(0, 250), (250, 500), (500, 750), (750, None)]
    assert [(t["start"], t["end"]) for t in tasks if t["uri"] == "b.ndjson.gz"] == [(0, None)]
    assert len(sigscan_spark.plan_tasks(files, 0)) == 5, "0 = never split"


def test_plan_tasks_never_splits_evtx(tmp_path):
    """An .evtx file is one task, whatever its size (issue #18); staged, a
    misnamed one is recognised by its magic and copied whole."""
    tasks = sigscan_spark.plan_tasks([("big.evtx", 10_000_000), ("a.ndjson", 1000)], 300)
    assert [(t["uri"], t["start"], t["end"]) for t in tasks if t["uri"] == "big.evtx"] == [
        ("big.evtx", 0, None)
    ]
    src = tmp_path / "log.dat"
    src.write_bytes(b"ElfFile\x00" + b"\x00" * 5000)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    task = {"uri": "file://" + str(src), "start": 100, "end": 2000}
    assert sigscan_spark.stage(task, str(scratch)) is None, "a range past byte 0 reads nothing"
    task = {"uri": "file://" + str(src), "start": 0, "end": 2000}
    local, byte_range, shift = sigscan_spark.stage(task, str(scratch))
    assert (byte_range, shift) == (None, 0)
    assert os.path.getsize(local) == 5008


def test_records_keep_the_event_text_exactly():
    text = '{"rule_id":"r","title":"a,\\"event\\":x","file":"f","line":3,"offset":7,"event":{"b": 1.50e3}}'
    fields, event = sigscan_spark._split_record(text)
    assert fields["title"] == 'a,"event":x'
    assert event == '{"b": 1.50e3}'
    key_, out = sigscan_spark.fix_record(("hit", 0, (text, 100)), {0: "u"}, {0: 10})
    assert key_ == ("u", 13, "r")
    assert out.endswith(',"event":{"b": 1.50e3}}')
    assert json.loads(out)["offset"] == 107


def test_sizes_and_input_lists(tmp_path):
    assert sigscan_spark.parse_size("512m") == 512 << 20
    assert sigscan_spark.parse_size("3K") == 3072
    assert sigscan_spark.parse_size("1000") == 1000
    with pytest.raises(Exception):
        sigscan_spark.parse_size("12x")
    lst = tmp_path / "list.txt"
    lst.write_bytes(b"a.ndjson\r\n\nb c.gz\n")
    assert sigscan_spark.read_input_list(str(lst)) == ["a.ndjson", "b c.gz"]
