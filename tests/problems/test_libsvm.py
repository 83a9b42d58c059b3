"""Tests of :mod:`optkit.problems.libsvm` (registry, reader, downloader).

The tests on real files use the folder named by ``$OPTKIT_DATA_DIR`` (in CI
the project's shared ``data/libsvm`` folder, with its ``MANIFEST.tsv``); they
skip when it is not set.  Download tests run against a local HTTP server on
127.0.0.1 and never reach the internet.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import hashlib
import http.server
import os
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.problems import libsvm
from optkit.problems.libsvm import (
    ChecksumError,
    DatasetInfo,
    DownloadError,
    dataset_info,
    list_datasets,
    load,
    load_file,
)


# --------------------------------------------------------------------------
# the shared data folder and its manifest
# --------------------------------------------------------------------------
def _shared_folder() -> tuple[Path | None, str]:
    env = os.environ.get("OPTKIT_DATA_DIR")
    if not env:
        return None, "OPTKIT_DATA_DIR is not set"
    folder = Path(env.split(os.pathsep)[0])
    if not folder.is_dir():
        return None, f"OPTKIT_DATA_DIR={env} is not a folder"
    if not (folder / "MANIFEST.tsv").is_file():
        return None, f"{folder} has no MANIFEST.tsv"
    return folder, ""


def _read_manifest(folder: Path | None) -> dict[str, dict]:
    if folder is None:
        return {}
    lines = (folder / "MANIFEST.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    rows = {}
    for line in lines[1:]:
        if not line.strip():
            continue
        row = dict(zip(header, line.split("\t")))
        labels = None
        if row["task"] == "binary":
            labels = {float(k): int(v) for k, v in
                      (item.split(":") for item in row["labels"].split(";"))}
        rows[row["file"]] = {
            "task": row["task"],
            "n_samples": int(row["n_samples"]),
            "n_features": int(row["n_features_official"]),
            "max_index": int(row["max_feature_index_seen"]),
            "labels": labels,
            "label_text": row["labels"],
            "sha256": row["sha256"],
        }
    return rows


SHARED, SKIP_REASON = _shared_folder()
MANIFEST = _read_manifest(SHARED)
needs_shared = pytest.mark.skipif(SHARED is None, reason=SKIP_REASON)

if MANIFEST:
    MANIFEST_NAMES = [n for n in list_datasets() if n in MANIFEST]
else:
    MANIFEST_NAMES = [pytest.param("<manifest>", marks=pytest.mark.skip(
        reason=SKIP_REASON))]


def _closed_port() -> int:
    """A local TCP port nobody listens on (just released by us)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test writes to the user cache or reaches the LIBSVM site."""
    monkeypatch.setenv("OPTKIT_CACHE_DIR", str(tmp_path / "user-cache"))
    # a closed local port: a stray download fails at once
    monkeypatch.setenv("OPTKIT_LIBSVM_URL", f"http://127.0.0.1:{_closed_port()}/")
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    return path


# --------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------
def test_registry_covers_common_sets():
    names = set(list_datasets())
    for required in ["a1a", "a9a", "a9a.t", "w1a", "w8a", "mushrooms",
                     "phishing", "ijcnn1", "covtype.binary", "real-sim",
                     "rcv1.binary", "news20.binary", "madelon", "gisette",
                     "housing_scale", "abalone_scale"]:
        assert required in names
    assert set(list_datasets("regression")) == {"housing_scale", "abalone_scale"}
    assert set(list_datasets("binary")) | set(list_datasets("regression")) == names
    assert list_datasets() == sorted(names)
    with pytest.raises(ValueError, match="unknown task"):
        list_datasets("clustering")


def test_registry_entries_are_consistent():
    for name, info in libsvm.DATASETS.items():
        assert info.name == name
        assert info.task in ("binary", "regression", "multiclass")
        assert info.n_samples > 0 and info.n_features > 0
        assert info.sha256 is None or (
            len(info.sha256) == 64 and int(info.sha256, 16) >= 0)
    rcv1 = dataset_info("rcv1.binary")
    assert (rcv1.n_samples, rcv1.n_features) == (20242, 47236)
    assert rcv1.remote_name == "rcv1_train.binary.bz2"
    assert dataset_info("news20.binary").n_features == 1355191
    assert dataset_info("covtype.binary").labels == (1.0, 2.0)
    # libsvmdata's "_test" spelling
    assert dataset_info("a9a_test") is dataset_info("a9a.t")
    assert dataset_info("rcv1.binary_test").n_samples == 677399


@needs_shared
def test_manifest_sets_are_all_registered():
    assert len(MANIFEST) == 16
    assert set(MANIFEST) <= set(libsvm.DATASETS)


@pytest.mark.parametrize("name, fragment", [
    ("a9", "a9a"), ("a1b", "a1a"), ("mushroom", "mushrooms"),
    ("rcv1", "rcv1.binary"), ("news20", "news20.binary"),
])
def test_unknown_name_suggests_close_matches(name, fragment):
    with pytest.raises(ValueError, match="unknown LIBSVM data set") as err:
        load(name, download=False)
    assert repr(fragment) in str(err.value)


def test_unknown_name_without_close_match():
    with pytest.raises(ValueError, match="list_datasets"):
        dataset_info("zzzzzzzz")


# --------------------------------------------------------------------------
# real files (shared folder)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", MANIFEST_NAMES)
def test_shared_file_matches_manifest(name, tmp_path):
    row = MANIFEST[name]
    info = dataset_info(name)
    assert (info.task, info.n_samples, info.n_features, info.sha256) == (
        row["task"], row["n_samples"], row["n_features"], row["sha256"])
    assert hashlib.sha256((SHARED / name).read_bytes()).hexdigest() == row["sha256"]

    X, y = load(name, download=False, cache_dir=tmp_path / "empty")
    assert isinstance(X, sp.csr_matrix)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert X.shape == (row["n_samples"], row["n_features"])
    assert y.shape == (row["n_samples"],)
    assert X.has_sorted_indices
    assert X.indices.max() + 1 == row["max_index"]
    if row["task"] == "binary":
        raw = sorted(row["labels"])  # smaller raw label -> -1
        assert len(raw) == 2
        values, counts = np.unique(y, return_counts=True)
        assert values.tolist() == [-1.0, 1.0]
        assert counts.tolist() == [row["labels"][raw[0]], row["labels"][raw[1]]]
    else:
        # "real-valued (229 distinct, min 5, max 50)"
        text = row["label_text"]
        n_distinct = int(text.split("(")[1].split()[0])
        lo = float(text.split("min ")[1].split(",")[0])
        hi = float(text.split("max ")[1].rstrip(")"))
        assert np.unique(y).size == n_distinct
        assert (y.min(), y.max()) == (lo, hi)


@needs_shared
def test_search_via_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv("OPTKIT_DATA_DIR",
                       os.pathsep.join([str(tmp_path / "nothing"), str(SHARED)]))
    X, y = load("a1a", download=False)
    assert X.shape == (1605, 123)
    assert int((y == 1).sum()) == 395


@needs_shared
@pytest.mark.parametrize("name", ["a1a", "mushrooms", "housing_scale", "sonar_scale"])
def test_load_file_agrees_with_sklearn(name):
    from sklearn.datasets import load_svmlight_file

    n = dataset_info(name).n_features
    X, y = load_file(SHARED / name, n, binary=False)
    Xs, ys = load_svmlight_file(str(SHARED / name), n_features=n,
                                zero_based=False, dtype=np.float64)
    assert X.shape == Xs.shape
    assert X.nnz == Xs.nnz
    assert (X != Xs).nnz == 0
    np.testing.assert_array_equal(X.indptr, Xs.indptr)
    np.testing.assert_array_equal(X.indices, Xs.indices)
    np.testing.assert_array_equal(X.data, Xs.data)
    np.testing.assert_array_equal(y, ys)


@needs_shared
def test_width_defaults_to_largest_index():
    X, _ = load_file(SHARED / "a1a")
    assert X.shape == (1605, 119)  # a1a never mentions features 120..123
    X, _ = load_file(SHARED / "a1a", n_features=123)
    assert X.shape == (1605, 123)


@needs_shared
def test_a9a_parses_quickly():
    load_file(SHARED / "a1a")  # warm up
    start = time.perf_counter()
    X, _ = load_file(SHARED / "a9a", 123)
    elapsed = time.perf_counter() - start
    assert X.nnz == 451592
    assert elapsed < 5.0  # about 0.15 s; generous bound against flakiness


# --------------------------------------------------------------------------
# the reader on small synthetic files
# --------------------------------------------------------------------------
def test_load_file_small_exact(tmp_path):
    text = ("# a comment line\n"
            "1 qid:3 1:0.5 3:-2e-1\r\n"
            "\n"
            "-1 4:7 2:1.25   # unsorted indices, trailing comment\n"
            "   \n"
            "1\n")  # a sample with no features
    X, y = load_file(_write(tmp_path / "small.txt", text), n_features=5, binary=False)
    assert X.shape == (3, 5) and X.nnz == 4 and X.has_sorted_indices
    np.testing.assert_array_equal(X.toarray(), [[0.5, 0, -0.2, 0, 0],
                                                [0, 1.25, 0, 7, 0],
                                                [0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(y, [1, -1, 1])


def test_empty_file(tmp_path):
    X, y = load_file(_write(tmp_path / "empty", "\n# nothing\n"), n_features=3)
    assert X.shape == (0, 3) and y.shape == (0,)


def test_bz2_and_gzip_files(tmp_path):
    text = "0 1:1 3:2.5\n1 2:-1\n0 3:4\n"
    plain = _write(tmp_path / "tiny", text)
    (tmp_path / "tiny.bz2").write_bytes(bz2.compress(text.encode()))
    (tmp_path / "tiny.gz").write_bytes(gzip.compress(text.encode()))
    # bzip2 content recognized by its magic bytes, whatever the name
    (tmp_path / "tiny.data").write_bytes(bz2.compress(text.encode()))
    X0, y0 = load_file(plain, 4)
    np.testing.assert_array_equal(X0.toarray(), [[1, 0, 2.5, 0], [0, -1, 0, 0], [0, 0, 4, 0]])
    np.testing.assert_array_equal(y0, [-1, 1, -1])  # {0, 1} -> {-1, +1}
    for name in ("tiny.bz2", "tiny.gz", "tiny.data"):
        X, y = load_file(tmp_path / name, 4)
        assert (X != X0).nnz == 0 and X.shape == (3, 4)
        np.testing.assert_array_equal(y, y0)


def test_corrupt_bz2_is_a_value_error(tmp_path):
    (tmp_path / "bad.bz2").write_bytes(b"BZh9" + b"\x00" * 40)
    with pytest.raises(ValueError, match="bad.bz2"):
        load_file(tmp_path / "bad.bz2")


@pytest.mark.parametrize("labels, binary, expected", [
    ([0, 1, 0], None, [-1, 1, -1]),
    ([1, 2, 2], None, [-1, 1, 1]),
    ([-1, 1, 1], None, [-1, 1, 1]),
    ([0, 1, 0], False, [0, 1, 0]),
    ([1, 2, 3], None, [1, 2, 3]),       # not a binary convention: untouched
    ([3, 7, 7], None, [3, 7, 7]),
    ([3, 7, 7], True, [-1, 1, 1]),      # forced: smaller label -> -1
    ([1, 1, 1], True, [1, 1, 1]),
])
def test_label_normalization(tmp_path, labels, binary, expected):
    text = "".join(f"{lab} 1:1\n" for lab in labels)
    _, y = load_file(_write(tmp_path / "f", text), binary=binary)
    np.testing.assert_array_equal(y, expected)
    assert y.dtype == np.float64


def test_forced_binary_rejects_three_labels(tmp_path):
    path = _write(tmp_path / "three", "1 1:1\n2 1:1\n3 1:1\n")
    with pytest.raises(ValueError, match="not binary: found 3 distinct labels"):
        load_file(path, binary=True)


MALFORMED = [
    ("1 1:1\n-1 2:1 foo 3:1\n", None, 2, "invalid token 'foo'"),
    ("abc 1:1\n", None, 1, "invalid label 'abc'"),
    ("1 1:1\n1 2:x\n", None, 2, "invalid value 'x'"),
    ("1 1:1\n1 2:nan\n", None, 2, "invalid value 'nan'"),
    ("1 1:1\n\n1 0:1\n", None, 3, "indices start at 1"),
    ("1 -1:1\n", None, 1, "invalid feature index '-1'"),
    ("1 1.5:1\n", None, 1, "invalid feature index '1.5'"),
    ("1 1:1\n1 7:1\n", 5, 2, "exceeds n_features=5"),
    ("1 1:1\n-1 3:", None, 2, "missing value in '3:'"),
    ("1 1:1\n1 :2\n", None, 2, "missing index"),
    ("1 1:1:1\n", None, 1, "invalid value"),
    ("1:1 2:1\n", None, 1, "missing label"),
    ("1 2:1 2:3\n", None, 1, "occurs twice"),
    ("1 1:1\n1 1:1\n1 1:1\n-1 2:1 3\n", None, 4, "invalid token '3'"),
]


@pytest.mark.parametrize("text, n_features, line, fragment", MALFORMED)
def test_malformed_file_names_file_and_line(tmp_path, text, n_features, line, fragment):
    path = _write(tmp_path / "broken.svm", text)
    with pytest.raises(ValueError) as err:
        load_file(path, n_features)
    msg = str(err.value)
    assert str(path) in msg
    assert f"line {line}:" in msg
    assert fragment in msg


def test_duplicate_index_after_sorting(tmp_path):
    path = _write(tmp_path / "dup", "1 1:1\n-1 5:1 2:1 5:3\n")
    with pytest.raises(ValueError, match=r"line 2: feature index 5 occurs twice"):
        load_file(path)


def _random_svmlight(rng, n_rows, n_features):
    """Text with varied number spellings, and the matrix it encodes."""
    dense = np.zeros((n_rows, n_features))
    lines = []
    spellings = [repr, lambda v: f"{v:.6e}", lambda v: f"{v:+.3f}",
                 lambda v: f"{v:g}", lambda v: str(int(round(v * 10)))]
    for i in range(n_rows):
        cols = np.sort(rng.choice(n_features, size=rng.integers(0, 8), replace=False))
        toks = [str(rng.choice([-1, 1]))]
        for j in cols:
            text = spellings[rng.integers(len(spellings))](float(rng.normal()))
            dense[i, j] = float(text)
            toks.append(f"{j + 1}:{text}")
        lines.append(" ".join(toks))
    return "\n".join(lines) + "\n", dense


def test_numbers_parse_exactly_like_sklearn(tmp_path):
    from sklearn.datasets import load_svmlight_file

    rng = np.random.default_rng(0)
    text, dense = _random_svmlight(rng, 300, 40)
    path = _write(tmp_path / "floats.svm", text)
    X, y = load_file(path, 40)
    Xs, ys = load_svmlight_file(str(path), n_features=40, zero_based=False)
    np.testing.assert_array_equal(X.toarray(), dense)  # float(text) == parser
    assert (X != Xs).nnz == 0
    np.testing.assert_array_equal(y, ys)


def test_chunked_parsing_keeps_line_numbers(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    text, dense = _random_svmlight(rng, 200, 30)
    path = _write(tmp_path / "many.svm", text)
    X_whole, y_whole = load_file(path, 30)
    monkeypatch.setattr(libsvm, "_CHUNK_BYTES", 100)  # many small chunks
    X, y = load_file(path, 30)
    assert (X != X_whole).nnz == 0 and X.shape == (200, 30)
    np.testing.assert_array_equal(X.toarray(), dense)
    np.testing.assert_array_equal(y, y_whole)
    lines = text.splitlines()
    lines[150] = "1 3:oops"
    path = _write(tmp_path / "many-bad.svm", "\n".join(lines))
    with pytest.raises(ValueError, match=r"line 151: invalid value 'oops'"):
        load_file(path, 30)


def test_bad_arguments(tmp_path):
    path = _write(tmp_path / "ok", "1 1:1\n")
    with pytest.raises(ValueError, match="n_features"):
        load_file(path, n_features=-1)
    with pytest.raises(TypeError, match="binary"):
        load_file(path, binary="yes")
    with pytest.raises(FileNotFoundError):
        load_file(tmp_path / "absent")


# --------------------------------------------------------------------------
# load(): search order and errors, with a temporary registry entry
# --------------------------------------------------------------------------
TINY = "0 1:1 3:2.5\n1 2:-1\n0 3:4 5:1\n"
TINY_X = [[1, 0, 2.5, 0, 0, 0], [0, -1, 0, 0, 0, 0], [0, 0, 4, 0, 1, 0]]
TINY_Y = [-1, 1, -1]


def _register(monkeypatch, name="tiny", *, task="binary", n_samples=3,
              n_features=6, sha256=None, remote=None, labels=(0.0, 1.0)):
    info = DatasetInfo(name, task, n_samples, n_features, sha256,
                       remote or name, labels)
    monkeypatch.setitem(libsvm.DATASETS, name, info)
    return info


def test_load_from_data_dir_reads_bz2(monkeypatch, tmp_path):
    _register(monkeypatch)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "tiny.bz2").write_bytes(bz2.compress(TINY.encode()))
    X, y = load("tiny", data_dir=tmp_path / "d", download=False)
    assert isinstance(X, sp.csr_matrix) and X.shape == (3, 6)
    np.testing.assert_array_equal(X.toarray(), TINY_X)
    np.testing.assert_array_equal(y, TINY_Y)


def test_search_order(monkeypatch, tmp_path):
    _register(monkeypatch)
    # same shape everywhere, a different first value in each folder
    for folder, value in [("arg", 1), ("env", 2), ("cache", 3)]:
        _write(tmp_path / folder / "tiny", TINY.replace("1:1", f"1:{value}", 1))
    monkeypatch.setenv("OPTKIT_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("OPTKIT_CACHE_DIR", str(tmp_path / "cache"))
    first = lambda **kw: load("tiny", download=False, **kw)[0][0, 0]  # noqa: E731
    assert first(data_dir=tmp_path / "arg") == 1
    assert first() == 2
    monkeypatch.delenv("OPTKIT_DATA_DIR")
    assert first() == 3
    _write(tmp_path / "kw-cache" / "tiny", TINY.replace("1:1", "1:4", 1))
    assert first(cache_dir=tmp_path / "kw-cache") == 4  # keyword beats env


def test_sample_count_mismatch_warns(monkeypatch, tmp_path):
    _register(monkeypatch, n_samples=10)
    _write(tmp_path / "tiny", TINY)
    with pytest.warns(UserWarning, match="3 samples, but the registry lists 10"):
        load("tiny", data_dir=tmp_path, download=False)


def test_binary_set_with_three_labels(monkeypatch, tmp_path):
    _register(monkeypatch, labels=None)
    _write(tmp_path / "tiny", "1 1:1\n2 2:1\n3 3:1\n")
    with pytest.raises(ValueError, match="not binary: found 3 distinct labels"):
        load("tiny", data_dir=tmp_path, download=False)


def test_registry_label_pair_is_used(monkeypatch, tmp_path):
    # a subset holding one class only still maps by the registry's pair
    _register(monkeypatch, n_samples=2, labels=(1.0, 2.0))
    _write(tmp_path / "tiny", "1 1:1\n1 2:1\n")
    _, y = load("tiny", data_dir=tmp_path, download=False)
    np.testing.assert_array_equal(y, [-1, -1])


def test_regression_targets_untouched(monkeypatch, tmp_path):
    _register(monkeypatch, task="regression", labels=None)
    _write(tmp_path / "tiny", TINY.replace("0 ", "2.5 ", 1))
    _, y = load("tiny", data_dir=tmp_path, download=False)
    np.testing.assert_array_equal(y, [2.5, 1, 0])


def test_missing_file_without_download(monkeypatch, tmp_path):
    monkeypatch.setenv("OPTKIT_DATA_DIR", str(tmp_path / "env-folder"))
    with pytest.raises(FileNotFoundError) as err:
        load("a9a", data_dir=tmp_path / "arg-folder", download=False,
             cache_dir=tmp_path / "cache-folder")
    msg = str(err.value)
    for part in ("'a9a'", "arg-folder", "env-folder", "cache-folder",
                 "OPTKIT_DATA_DIR", "download=True"):
        assert part in msg
    assert not (tmp_path / "cache-folder").exists()


# --------------------------------------------------------------------------
# downloads from a local HTTP server
# --------------------------------------------------------------------------
class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        if self.path.endswith("/truncated"):  # promises more than it sends
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"1 1:1\n")
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path, monkeypatch):
    root = tmp_path / "www"
    for task in ("binary", "regression"):
        (root / task).mkdir(parents=True)
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    monkeypatch.setenv("OPTKIT_LIBSVM_URL", f"http://127.0.0.1:{httpd.server_address[1]}")
    monkeypatch.delenv("OPTKIT_DATA_DIR", raising=False)
    try:
        yield root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _publish(root: Path, task: str, remote: str, text: str) -> str:
    data = text.encode()
    if remote.endswith(".bz2"):
        data = bz2.compress(data)
    (root / task / remote).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_download_success(server, monkeypatch, tmp_path):
    sha = _publish(server, "binary", "tiny_remote.bz2", TINY)
    _register(monkeypatch, sha256=sha, remote="tiny_remote.bz2")
    cache = tmp_path / "cache"
    X, y = load("tiny", cache_dir=cache)
    np.testing.assert_array_equal(X.toarray(), TINY_X)
    np.testing.assert_array_equal(y, TINY_Y)
    assert sorted(os.listdir(cache)) == ["tiny_remote.bz2"]  # no temp files
    assert hashlib.sha256((cache / "tiny_remote.bz2").read_bytes()).hexdigest() == sha
    # now served from the cache, even with the server's copy gone
    (server / "binary" / "tiny_remote.bz2").unlink()
    X2, _ = load("tiny", cache_dir=cache, download=False)
    assert (X2 != X).nnz == 0


def test_download_regression_into_env_cache(server, monkeypatch, tmp_path):
    sha = _publish(server, "regression", "tinyreg", "3.5 1:1\n-2 2:1\n0.25 1:2\n")
    _register(monkeypatch, "tinyreg", task="regression", n_features=2,
              sha256=sha, labels=None)
    monkeypatch.setenv("OPTKIT_CACHE_DIR", str(tmp_path / "env-cache"))
    _, y = load("tinyreg")
    np.testing.assert_array_equal(y, [3.5, -2, 0.25])
    assert os.listdir(tmp_path / "env-cache") == ["tinyreg"]


def test_download_without_checksum_warns(server, monkeypatch, tmp_path):
    sha = _publish(server, "binary", "tiny", TINY)
    _register(monkeypatch, sha256=None)
    with pytest.warns(UserWarning, match="could not be verified") as record:
        X, _ = load("tiny", cache_dir=tmp_path / "cache")
    assert sha in str(record[0].message)
    assert X.shape == (3, 6)
    assert os.listdir(tmp_path / "cache") == ["tiny"]


def test_download_checksum_mismatch(server, monkeypatch, tmp_path):
    _publish(server, "binary", "tiny", TINY)
    _register(monkeypatch, sha256="0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match="SHA-256 mismatch") as err:
        load("tiny", cache_dir=cache)
    assert isinstance(err.value, DownloadError) and isinstance(err.value, OSError)
    assert "0" * 64 in str(err.value)
    assert os.listdir(cache) == []  # neither the file nor a temp file


def test_download_http_404(server, monkeypatch, tmp_path):
    _register(monkeypatch, remote="not-there.bz2")
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="HTTP 404") as err:
        load("tiny", cache_dir=cache)
    assert "/binary/not-there.bz2" in str(err.value)
    assert os.listdir(cache) == []


def test_download_truncated_transfer(server, monkeypatch, tmp_path):
    _register(monkeypatch, remote="truncated")
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError):
        load("tiny", cache_dir=cache)
    assert os.listdir(cache) == []


def test_download_interrupted_leaves_nothing(server, monkeypatch, tmp_path):
    import tqdm.auto

    class _Interrupting(tqdm.auto.tqdm):
        def update(self, n=1):
            raise KeyboardInterrupt

    monkeypatch.setattr(tqdm.auto, "tqdm", _Interrupting)
    sha = _publish(server, "binary", "tiny", TINY)
    _register(monkeypatch, sha256=sha)
    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        load("tiny", cache_dir=cache)
    assert os.listdir(cache) == []


def test_unreachable_server(monkeypatch, tmp_path):
    # the autouse fixture points OPTKIT_LIBSVM_URL at a closed local port
    _register(monkeypatch)
    with pytest.raises(DownloadError, match="could not download"):
        load("tiny", cache_dir=tmp_path / "cache")
    assert os.listdir(tmp_path / "cache") == []
