#!/usr/bin/env python3
"""Run sigscan over many files on an Apache Spark cluster.

sigscan stays the per-task scanner; Spark does the scheduling, the retries,
speculative execution and the output commit. This driver:

1. enumerates the inputs (local paths that every executor sees at the same
   place, e.g. a shared file system, or Hadoop URIs: s3a://, hdfs://, gs://,
   file://), biggest first;
2. plans one task per file, and for plain (uncompressed) files larger than
   ``--split-bytes``, one task per byte range (sigscan ``--byte-range``: a line
   belongs to the range that holds its first byte, so ranges never lose or
   repeat a line);
3. ships the sigscan binary and the rules (one tar archive) to the executors
   with ``SparkContext.addFile``;
4. runs sigscan in each task with ``--output`` (atomic) and ``--stats``; an
   exit status other than 0 or 1 fails the task, so Spark retries it;
5. turns range-relative line numbers into file line numbers: the first line of
   a range is the number of lines of the ranges before it, plus one (each
   task reports its line count in the stats); counting newlines before START
   in every task would read a file's prefix again per range, and a
   ``--line-base`` would have to be known before the scan;
6. writes the hits, sorted by (file, line, rule_id), as JSON Lines (sigscan's
   record format, ``event`` byte for byte) or Parquet (``event`` as a JSON
   string), plus ``_sigscan_summary.json`` with the totals.

Inputs behind other URI schemes than ``file`` are read on the executors with
``pyarrow.fs`` (install pyarrow there); they are copied to the task's scratch
directory (for a byte range: from START - 1 to the first newline at or after
END - 1) and scanned there.

Usage::

    spark-submit contrib/spark/sigscan_spark.py --sigscan target/release/sigscan \\
        --rules rules/ --output s3a://bucket/hits/2026-11 s3a://bucket/logs/2026/11/
"""

import argparse
import fnmatch
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from urllib.parse import urlparse

#: The hit record format this driver reads and writes (sigscan's ``schema_version``).
SCHEMA_VERSION = 2

#: sigscan exit statuses that mean the task's work is done: 0 all input read,
#: 1 done but some input was unreadable or invalid (counted in the stats,
#: listed in the summary). Anything else (2 fatal, a signal, a crash) fails
#: the task, and Spark retries it up to spark.task.maxFailures times.
DONE_STATUSES = (0, 1)

#: Files with these suffixes are never split (sigscan also recognises
#: gzip/zstd by magic bytes: a compressed file given a range belongs whole to
#: the range that holds byte 0, so a misnamed file is still scanned exactly).
#: Windows `.evtx` archives are treated the same way: sigscan decodes them
#: chunk by chunk on all of a task's cores, and a byte range cannot cut one.
COMPRESSED_SUFFIXES = (".gz", ".gzip", ".zst", ".zstd", ".bz2", ".xz", ".lz4", ".evtx")

#: gzip, zstd, and the EVTX file magic (`ElfFile\0`).
COMPRESSION_MAGIC = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"ElfFile\x00")

#: Hits sorted per output partition. PERF: one partition avoids the
#: sampling job and the shuffle of a range-partitioned sort (measured: about
#: 2 s of a 10 s write phase in local[2] on a loaded 2-core machine).
HITS_PER_SORT_PARTITION = 2_000_000

#: How much more than a range a staged (copied) range may read while looking
#: for the end of its last line, per read.
STAGE_BLOCK = 1 << 20


# --------------------------------------------------------------------------------------------
# Planning (driver side)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="sigscan_spark", description="Run sigscan over many files with Apache Spark."
    )
    p.add_argument("inputs", nargs="*", help="files, directories, or Hadoop URIs")
    p.add_argument("--input-list", help="more inputs, one per line (- = stdin)")
    p.add_argument("--rules", action="append", required=True, help="rule file or directory")
    p.add_argument("--sigscan", required=True, help="the sigscan binary to ship")
    p.add_argument("--output", required=True, help="output directory (must not exist)")
    p.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl")
    p.add_argument(
        "--split-bytes",
        type=parse_size,
        default=256 << 20,
        help="byte-range tasks of this size for larger plain files (0: never split)",
    )
    p.add_argument("--glob", help="only files whose name matches, under directories")
    p.add_argument("--placeholders", help="sigscan --placeholders file (shipped)")
    p.add_argument("--field-map", help="sigscan --field-map file (shipped)")
    p.add_argument("--no-logsource", action="store_true")
    p.add_argument("--no-event", action="store_true")
    p.add_argument(
        "--sigscan-arg",
        action="append",
        default=[],
        help="extra argument for every sigscan run (e.g. --sigscan-arg=--engine=rust)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    # Testing hook: the first attempt of each task whose input name contains
    # the text fails after producing some output (see tests/test_driver.py).
    p.add_argument("--fail-once", nargs=2, metavar=("TEXT", "MARKER_DIR"), help=argparse.SUPPRESS)
    # Testing hook: read file:// inputs as if remote (copy, then scan).
    p.add_argument("--stage-all", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if not a.inputs and not a.input_list:
        p.error("no inputs (give INPUT... or --input-list)")
    if a.split_bytes < 0:
        p.error("--split-bytes must be >= 0")
    return a


def parse_size(text):
    """Bytes, with an optional k, m or g suffix (powers of 1024)."""
    t = text.strip().lower()
    mul = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(t[-1:], 1)
    try:
        return int(t[:-1] if mul > 1 else t) * mul
    except ValueError:
        raise argparse.ArgumentTypeError("not a size: %r" % text)


def scheme_of(uri):
    """The URI scheme, or '' for a plain local path."""
    s = urlparse(uri).scheme
    return s if len(s) > 1 else ""


def list_local(path, glob):
    """(path, size) of the files an input names, as sigscan expands it: a
    directory recursively (sorted, following links), filtered by name glob."""
    if not os.path.isdir(path):
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0  # sigscan reports it as unreadable; the scan goes on
        return [(path, size)]
    out = []
    for dirpath, dirnames, filenames in os.walk(path, followlinks=True):
        dirnames.sort()
        for name in sorted(filenames):
            if glob and not fnmatch.fnmatchcase(name, glob):
                continue
            full = os.path.join(dirpath, name)
            try:
                st = os.stat(full)
            except OSError:
                out.append((full, 0))
                continue
            if os.path.isfile(full):
                out.append((full, st.st_size))
    return out


def list_hadoop(sc, uri, glob):
    """(uri, size) of the files under a Hadoop URI, listed through the
    driver's JVM (so the cluster's s3a/hdfs configuration applies)."""
    jvm = sc._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(sc._jsc.hadoopConfiguration())
    status = fs.getFileStatus(path)
    if not status.isDirectory():
        return [(status.getPath().toString(), status.getLen())]
    out = []
    it = fs.listFiles(path, True)
    while it.hasNext():
        f = it.next()
        name = f.getPath().getName()
        if glob and not fnmatch.fnmatchcase(name, glob):
            continue
        out.append((f.getPath().toString(), f.getLen()))
    out.sort()
    return out


def read_input_list(name):
    data = sys.stdin.buffer.read() if name == "-" else open(name, "rb").read()
    return [
        line.rstrip(b"\r").decode("utf-8")
        for line in data.split(b"\n")
        if line.rstrip(b"\r")
    ]


#: Guessed decoded/compressed size ratio of NDJSON event logs, used only to
#: order tasks: a 24 MB .gz holding 100 MB of events is a bigger task than a
#: 60 MB range, and must not start last (measured: gzip -1 of `sigscan-gen`
#: output is 4.4x; zstd of real evtx dumps 5-100x).
COMPRESSED_WORK_RATIO = 5


def _work(task):
    """The bytes a task will scan, as far as the plan can tell."""
    end = task["end"] if task["end"] is not None else task["size"]
    work = end - task["start"]
    if task["uri"].lower().endswith(COMPRESSED_SUFFIXES):
        work *= COMPRESSED_WORK_RATIO
    return work


def plan_tasks(files, split_bytes):
    """Tasks for (uri, size) files: whole files, or byte ranges of plain
    files bigger than split_bytes (an int, or a function of (uri, size)).
    Biggest first, so the long tasks start early and the short ones fill the
    gaps at the end."""
    tasks = []
    for uri, size in files:
        name = uri.lower()
        split = split_bytes(uri, size) if callable(split_bytes) else split_bytes
        splittable = split > 0 and size > split and not name.endswith(COMPRESSED_SUFFIXES)
        if not splittable:
            tasks.append({"uri": uri, "size": size, "start": 0, "end": None})
            continue
        n = -(-size // split)
        cuts = [size * i // n for i in range(n + 1)]
        for a, b in zip(cuts, cuts[1:]):
            # The last range is open-ended: a file that grew since it was
            # listed is still read to its end.
            tasks.append({"uri": uri, "size": size, "start": a, "end": b if b < size else None})
    tasks.sort(key=lambda t: -_work(t))
    for i, t in enumerate(tasks):
        t["id"] = i
    return tasks


def pack_rules(args, workdir):
    """One tar archive of the rules (and placeholder / field-map files),
    named by its content, with the sigscan arguments that name them inside
    the extracted directory. Deterministic bytes: the same rules give the
    same archive name, so a SparkContext can run many scans."""
    members = []  # (archive name, local path)
    rule_args = []
    for i, r in enumerate(args.rules):
        base = "r%d" % i
        if os.path.isdir(r):
            for dirpath, dirnames, filenames in os.walk(r, followlinks=True):
                dirnames.sort()
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    rel = os.path.relpath(full, r)
                    members.append((base + "/" + rel.replace(os.sep, "/"), full))
            rule_args += ["--rules", "{root}/" + base]
        else:
            members.append((base + "/" + os.path.basename(r), r))
            rule_args += ["--rules", "{root}/" + base + "/" + os.path.basename(r)]
    for flag, path in (("--placeholders", args.placeholders), ("--field-map", args.field_map)):
        if path:
            name = flag.strip("-") + ".yml"
            members.append((name, path))
            rule_args += [flag, "{root}/" + name]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in members:
            data = open(path, "rb").read()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = os.path.join(workdir, "sigscan-rules-%s.tar" % digest)
    with open(path, "wb") as f:
        f.write(data)
    return path, rule_args


# --------------------------------------------------------------------------------------------
# The task (executor side)


def _shipped_rules(archive_name):
    """Extracts the shipped rule archive once per executor directory; tasks
    running at once race to an atomic rename and all use the winner's copy."""
    from pyspark import SparkFiles

    root = os.path.join(SparkFiles.getRootDirectory(), archive_name[: -len(".tar")])
    if not os.path.isdir(root):
        tmp = tempfile.mkdtemp(prefix=".extract-", dir=SparkFiles.getRootDirectory())
        with tarfile.open(SparkFiles.get(archive_name)) as tar:
            try:
                tar.extractall(tmp, filter="data")
            except TypeError:  # Python before 3.11.4 / 3.10.12: no filters
                tar.extractall(tmp)  # the driver wrote this archive itself
        try:
            os.rename(tmp, root)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another task won
    return root


def _shipped_binary(name):
    from pyspark import SparkFiles

    path = SparkFiles.get(name)
    if not os.access(path, os.X_OK):
        os.chmod(path, 0o755)
    return path


def _open_remote(uri):
    """A seekable binary file for a Hadoop-style URI."""
    if scheme_of(uri) == "file":
        return open(urlparse(uri).path, "rb")
    try:
        from pyarrow import fs as pafs
    except ImportError as e:  # pragma: no cover - depends on the cluster
        raise RuntimeError("reading %s needs pyarrow on the executors: %s" % (uri, e))
    u = uri
    for alias in ("s3a://", "s3n://"):
        if u.startswith(alias):
            u = "s3://" + u[len(alias):]
    filesystem, path = pafs.FileSystem.from_uri(u)
    return filesystem.open_input_file(path)


def stage(task, scratch):
    """Copies what a task needs of a remote input into `scratch`. Returns
    (local path, byte range or None, offset of the local file's first byte
    in the input), or None when the task has no lines to scan (a range of a
    compressed file other than the first)."""
    start, end = task["start"], task["end"]
    local = os.path.join(scratch, "input")
    with _open_remote(task["uri"]) as src:
        head = src.read(8)
        compressed = any(head.startswith(m) for m in COMPRESSION_MAGIC)
        whole = start == 0 and end is None
        if compressed or whole:
            if compressed and start > 0:
                return None
            src.seek(0)
            with open(local, "wb") as dst:
                shutil.copyfileobj(src, dst, STAGE_BLOCK)
            return local, None, 0
        # A range needs the bytes from START - 1 (is START a line start?) to
        # the first newline at or after END - 1 (the end of its last line).
        first = max(start - 1, 0)
        src.seek(first)
        with open(local, "wb") as dst:
            if end is None:
                shutil.copyfileobj(src, dst, STAGE_BLOCK)
            else:
                left = end - first
                while left > 0:
                    block = src.read(min(left, STAGE_BLOCK))
                    if not block:
                        break
                    dst.write(block)
                    left -= len(block)
                last = block[-1:] if end > first and left == 0 else b"\n"
                while last != b"\n":
                    block = src.read(STAGE_BLOCK)
                    if not block:
                        break
                    nl = block.find(b"\n")
                    dst.write(block if nl < 0 else block[: nl + 1])
                    if nl >= 0:
                        break
        local_end = "" if end is None else str(end - first)
        return local, "%d:%s" % (start - first, local_end), first


def _split_record(text):
    """A sigscan hit record as (fields without `event`, raw event text or
    None). `event` is the last field, and `,"event":` cannot occur inside an
    earlier string value (its quote would be escaped)."""
    i = text.find(',"event":')
    if i < 0:
        return json.loads(text), None
    return json.loads(text[:i] + "}"), text[i + len(',"event":') : -1]


def run_task(task, cfg):
    """Scans one task's input with sigscan; yields ("hit", id, record text)
    rows, then one ("stats", id, stats) row. Raises (so Spark retries) on an
    exit status that is not in DONE_STATUSES."""
    from pyspark import TaskContext

    ctx = TaskContext.get()
    binary = _shipped_binary(cfg["binary"])
    root = _shipped_rules(cfg["rules_archive"])
    rule_args = [a.replace("{root}", root) for a in cfg["rule_args"]]
    cpus = 1
    if ctx is not None:
        try:
            cpus = max(1, int(ctx.cpus()))
        except Exception:  # older Spark: one task, one core
            cpus = 1
    scratch = tempfile.mkdtemp(prefix="sigscan-task-")
    try:
        shift = 0
        byte_range = None
        if task["start"] or task["end"] is not None:
            byte_range = "%d:%s" % (task["start"], "" if task["end"] is None else task["end"])
        path = task["uri"]
        if scheme_of(path) or cfg["stage_all"]:
            staged = stage(task, scratch)
            if staged is None:
                yield ("stats", task["id"], {"lines": 0, "status": 0, "skipped": "compressed"})
                return
            path, byte_range, shift = staged
        out = os.path.join(scratch, "hits.jsonl")
        cmd = [binary, "scan", "--quiet", "--stats", "--no-pin", "--threads", str(cpus)]
        cmd += ["--output", out] + rule_args + cfg["extra_args"]
        if byte_range is not None:
            cmd += ["--byte-range", byte_range]
        cmd += ["--", path]
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr = proc.stderr.decode("utf-8", "replace")
        if proc.returncode not in DONE_STATUSES:
            raise RuntimeError(
                "sigscan exited with status %s on %s (task %d, range %s); retrying: %s"
                % (proc.returncode, task["uri"], task["id"], byte_range, stderr[-2000:])
            )
        stats = None
        for line in stderr.splitlines():
            if line.startswith("{"):
                try:
                    stats = json.loads(line)
                except ValueError:
                    pass
        if stats is None or "lines" not in stats:
            raise RuntimeError("sigscan printed no stats on %s: %s" % (task["uri"], stderr[-2000:]))
        fail = cfg.get("fail_once")
        inject = fail and fail[0] in task["uri"]
        if inject:
            marker = os.path.join(fail[1], "task-%d" % task["id"])
            inject = not os.path.exists(marker)
        with open(out, "r", encoding="utf-8") as f:
            for n, line in enumerate(f):
                yield ("hit", task["id"], (line.rstrip("\n"), shift))
                if inject and n == 0:
                    open(marker, "w").close()
                    raise RuntimeError("injected failure (testing) after one hit of task %d" % task["id"])
        if inject:
            open(marker, "w").close()
            raise RuntimeError("injected failure (testing) in task %d" % task["id"])
        yield (
            "stats",
            task["id"],
            {
                "lines": stats["lines"],
                "status": proc.returncode,
                "stats": stats,
                "messages": [l for l in stderr.splitlines() if l.startswith("sigscan:")][:20],
                "attempt": ctx.attemptNumber() if ctx is not None else 0,
            },
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Stitching and output (driver side)


def line_bases(tasks, task_stats):
    """The file line number of the line before each task's first line: the
    lines of the same file's earlier ranges (ranges partition the lines)."""
    by_uri = {}
    for t in tasks:
        by_uri.setdefault(t["uri"], []).append(t)
    bases = {}
    for uri, ts in by_uri.items():
        base = 0
        for t in sorted(ts, key=lambda t: t["start"]):
            bases[t["id"]] = base
            base += task_stats[t["id"]]["lines"]
    return bases


def fix_record(row, uris, bases):
    """A hit row with file line numbers, absolute offsets and the input's URI."""
    _, task_id, (text, shift) = row
    fields, event = _split_record(text)
    fields["file"] = uris[task_id]
    fields["line"] += bases[task_id]
    fields["offset"] += shift
    head = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    if event is not None:
        text = head[:-1] + ',"event":' + event + "}"
    else:
        text = head
    return (fields["file"], fields["line"], fields["rule_id"]), text


def _write_text(sc, uri, text):
    """Writes a small text file at a local path or a Hadoop URI."""
    if not scheme_of(uri):
        with open(uri, "w", encoding="utf-8") as f:
            f.write(text)
        return
    jvm = sc._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(sc._jsc.hadoopConfiguration())
    out = fs.create(path, True)
    try:
        out.write(bytearray(text.encode("utf-8")))
    finally:
        out.close()


_WORKDIR = []


def _driver_workdir():
    """One scratch directory per driver process, removed at exit. Shipped
    files must stay in place while the SparkContext lives: executors fetch
    them when their first task needs them, and a name is registered once
    per context (so the archive's path must not change between scans)."""
    if not _WORKDIR:
        import atexit

        d = tempfile.mkdtemp(prefix="sigscan-spark-")
        atexit.register(shutil.rmtree, d, True)
        _WORKDIR.append(d)
    return _WORKDIR[0]


def run(spark, args, split_for=None):
    """Runs the scan described by parsed `args` on `spark`; returns the
    summary. `split_for(uri, size)`, when given, replaces --split-bytes."""
    started = time.time()
    sc = spark.sparkContext
    sc.addPyFile(os.path.abspath(__file__))
    names = list(args.inputs)
    if args.input_list:
        names += read_input_list(args.input_list)
    files = []
    for name in names:
        if scheme_of(name):
            files += list_hadoop(sc, name, args.glob)
        else:
            files += list_local(name, args.glob)
    tasks = plan_tasks(files, split_for or args.split_bytes)

    archive, rule_args = pack_rules(args, _driver_workdir())
    sc.addFile(os.path.abspath(args.sigscan))
    sc.addFile(archive)
    extra = list(args.sigscan_arg)
    if args.no_logsource:
        extra.append("--no-logsource")
    if args.no_event:
        extra.append("--no-event")
    cfg = {
        "binary": os.path.basename(args.sigscan),
        "rules_archive": os.path.basename(archive),
        "rule_args": rule_args,
        "extra_args": extra,
        "stage_all": bool(args.stage_all),
        "fail_once": list(args.fail_once) if args.fail_once else None,
    }
    summary = {
        "schema_version": SCHEMA_VERSION,
        "files": len(files),
        "tasks": len(tasks),
    }
    if not tasks:
        raise SystemExit("sigscan_spark: no input files")

    from pyspark import StorageLevel

    rows = (
        sc.parallelize(tasks, len(tasks))
        .mapPartitions(lambda ts: (row for t in ts for row in run_task(t, cfg)))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        task_stats = dict((r[1], r[2]) for r in rows.filter(lambda r: r[0] == "stats").collect())
        missing = [t["id"] for t in tasks if t["id"] not in task_stats]
        if missing:
            raise RuntimeError("tasks without stats: %s" % missing[:10])
        hashes = set(
            s["stats"]["ruleset_hash"] for s in task_stats.values() if "stats" in s
        )
        if len(hashes) > 1:
            raise RuntimeError("executors loaded different rule sets: %s" % sorted(hashes))
        bases = line_bases(tasks, task_stats)
        uris = dict((t["id"], t["uri"]) for t in tasks)
        hits = rows.filter(lambda r: r[0] == "hit").map(lambda r: fix_record(r, uris, bases))
        # Hits are few: up to HITS_PER_SORT_PARTITION they are sorted in one
        # partition (an external sort, no sampling job, no shuffle), which
        # saves two Spark jobs; more are range-partitioned.
        n_hits = sum(s["stats"]["hits"] for s in task_stats.values() if "stats" in s)
        parts = max(1, min(len(tasks), -(-n_hits // HITS_PER_SORT_PARTITION)))
        ordered = hits.sortByKey(numPartitions=parts)
        if args.overwrite and not scheme_of(args.output) and os.path.isdir(args.output):
            shutil.rmtree(args.output)
        if args.format == "jsonl":
            ordered.values().saveAsTextFile(args.output)
        else:
            _write_parquet(spark, ordered.values(), args.output, args.overwrite)
    finally:
        rows.unpersist()

    totals = dict.fromkeys(
        ("bytes", "lines", "events", "invalid_lines", "empty_lines", "hits", "unreadable_inputs"), 0
    )
    problems = []
    for t in tasks:
        s = task_stats[t["id"]]
        st = s.get("stats")
        if st is None:
            continue
        for k in totals:
            totals[k] += st.get(k, 0)
        if s["status"] != 0:
            problems.append(
                {
                    "file": t["uri"],
                    "range": [t["start"], t["end"]],
                    "status": s["status"],
                    "messages": s["messages"],
                }
            )
    summary.update(totals)
    summary["ruleset_hash"] = hashes.pop() if hashes else None
    summary["retried_tasks"] = sum(1 for s in task_stats.values() if s.get("attempt", 0) > 0)
    summary["problems"] = problems
    summary["elapsed_s"] = round(time.time() - started, 3)
    _write_text(
        sc,
        args.output.rstrip("/") + "/_sigscan_summary.json",
        json.dumps(summary, indent=1) + "\n",
    )
    return summary


def _write_parquet(spark, texts, output, overwrite):
    """The hit records as Parquet, one column per field of the v2 record.
    Lists of names are string arrays; `matched`, `record_id` (a number or a
    string, as the event wrote it) and `event` are kept as their JSON text,
    so a reader gets back exactly what sigscan wrote."""
    from pyspark.sql.types import (
        ArrayType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    names = ArrayType(StringType())
    schema = StructType(
        [
            StructField("kind", StringType()),
            StructField("@timestamp", StringType()),
            StructField("rule_id", StringType()),
            StructField("title", StringType()),
            StructField("level", StringType()),
            StructField("status", StringType()),
            StructField("tags", names),
            StructField("tactics", names),
            StructField("techniques", names),
            StructField("host", StringType()),
            StructField("channel", StringType()),
            StructField("event_id", LongType()),
            StructField("record_id", StringType()),
            StructField("matched", StringType()),
            StructField("file", StringType()),
            StructField("line", LongType()),
            StructField("offset", LongType()),
            StructField("schema_version", IntegerType()),
            StructField("ruleset_hash", StringType()),
            StructField("event", StringType()),
        ]
    )
    as_json = {"record_id", "matched"}

    def to_row(text):
        fields, event = _split_record(text)
        values = []
        for f in schema.fields[:-1]:
            v = fields.get(f.name)
            if f.name in as_json and v is not None:
                v = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            values.append(v)
        return tuple(values) + (event,)

    df = spark.createDataFrame(texts.map(to_row), schema)
    df.write.mode("overwrite" if overwrite else "errorifexists").parquet(output)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("sigscan").getOrCreate()
    try:
        summary = run(spark, args)
    finally:
        spark.stop()
    print(json.dumps(summary), file=sys.stderr)
    return 1 if summary["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
