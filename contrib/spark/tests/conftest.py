"""Fixtures: one local[2,2] SparkSession for the whole run (two cores, a task
may fail once and is retried: spark.task.maxFailures = 2), the sigscan binary
($SIGSCAN_BIN, set by contrib/spark/test.sh), the corpus generator
($SIGSCAN_GEN_BIN, tools/gen), and a corpus of mixed inputs."""

import gzip
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.dirname(HERE))


@pytest.fixture(scope="session")
def sigscan():
    path = os.environ.get("SIGSCAN_BIN") or os.path.join(REPO, "target", "debug", "sigscan")
    if not os.access(path, os.X_OK):
        pytest.fail("no sigscan binary at %s: run contrib/spark/test.sh (or set SIGSCAN_BIN)" % path)
    return path


@pytest.fixture(scope="session")
def sigscan_gen():
    path = os.environ.get("SIGSCAN_GEN_BIN") or os.path.join(REPO, "target", "debug", "sigscan-gen")
    if not os.access(path, os.X_OK):
        pytest.fail("no sigscan-gen binary at %s: run contrib/spark/test.sh (or set SIGSCAN_GEN_BIN)" % path)
    return path


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2,2]")
        .appName("sigscan-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


SEED_RULE = os.path.join(REPO, "corpora", "rules", "posh_win_api_functions.yml")

# A second rule so that some lines hit two rules (generated Security logons).
LOGON_RULE = """title: Failed logon (test rule)
id: 00000000-0000-4000-8000-000000004625
level: low
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4625
  condition: selection
"""


@pytest.fixture(scope="session")
def rules(tmp_path_factory):
    d = tmp_path_factory.mktemp("rules")
    shutil.copy(SEED_RULE, d / "seed.yml")
    (d / "sub").mkdir()
    (d / "sub" / "logon.yml").write_text(LOGON_RULE)
    return str(d)


def awkward_lines():
    """Bytes with every shape a range boundary can meet: a BOM at 0, CRLF,
    empty and invalid lines, and a last line without a newline."""
    hit = (
        '{"Event":{"System":{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational",'
        '"EventRecordID":%d},"EventData":{"ScriptBlockText":"[K32]::VirtualAlloc(0) # %d"}}}'
    )
    out = [b"\xef\xbb\xbf"]
    for n in range(1, 60):
        if n % 11 == 0:
            out.append(b"\n")
        elif n % 13 == 0:
            out.append(b"not json\n")
        else:
            out.append((hit % (n, n)).encode() + (b"\r\n" if n % 3 == 0 else b"\n"))
    out.append((hit % (99, 99)).encode())
    return b"".join(out)


def gen(sigscan_gen, path, size, seed, hit_rate="0.2"):
    subprocess.run(
        [sigscan_gen, "--size", str(size), "--seed", str(seed), "--hit-rate", hit_rate, "-o", str(path)],
        check=True,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def corpus(sigscan_gen, tmp_path_factory):
    """A directory of plain, .gz and .zst inputs (generated events, the
    awkward file, and the small real event files of ../shared when present)."""
    d = tmp_path_factory.mktemp("corpus")
    gen(sigscan_gen, d / "big.ndjson", 1_200_000, 1)
    gen(sigscan_gen, d / "mid.ndjson", 300_000, 2)
    (d / "nested").mkdir()
    gen(sigscan_gen, d / "nested" / "small.ndjson", 40_000, 3)
    (d / "awkward.ndjson").write_bytes(awkward_lines())
    plain = d / "tmp-gz-source"
    gen(sigscan_gen, plain, 500_000, 4)
    with open(plain, "rb") as src, gzip.open(d / "day4.ndjson.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    plain.unlink()
    gen(sigscan_gen, d / "nested" / "day5.ndjson", 400_000, 5)
    zstd = shutil.which("zstd")
    if zstd:
        subprocess.run([zstd, "-q", "--rm", str(d / "nested" / "day5.ndjson")], check=True)
    shared = os.path.join(REPO, "..", "shared", "events")
    for name in ("evtx-powershell-4104.ndjson", "evtx-attack-samples.ndjson.zst"):
        src = os.path.join(shared, name)
        if os.path.isfile(src):
            shutil.copy(src, d / name)
        else:
            print("note: %s is absent; the corpus has generated events only" % src)
    return str(d)
