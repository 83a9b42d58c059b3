"""LIBSVM / SVMlight benchmark data sets: registry, reader and downloader.

The binary-classification and regression sets distributed on the LIBSVM
datasets page,

    https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/

are the usual test bed for first-order and stochastic methods on generalized
linear models (logistic regression, SVMs, Lasso).  When you use them, cite the
page and LIBSVM,

    C.-C. Chang and C.-J. Lin, "LIBSVM: a library for support vector
    machines", ACM Transactions on Intelligent Systems and Technology 2(3),
    27:1-27:27, 2011,

together with the original source of each data set (listed on the page).

This module offers

* :func:`load` -- a registered data set by name, as ``(X, y)`` with ``X`` a
  ``scipy.sparse.csr_matrix`` (float64) whose width is the *official* feature
  count of the set and ``y`` a float64 vector.  Labels of binary sets are
  mapped to ``{-1, +1}`` whatever convention the file uses (``{0, 1}``,
  ``{1, 2}``, ``{-1, 1}``); regression targets are returned untouched.
  Names ending in ``.t`` are the test sets (``"a9a.t"``).
* :func:`load_file` -- any file in LIBSVM/SVMlight format (plain, ``.bz2`` or
  ``.gz``), with its own vectorized parser.
* :func:`list_datasets`, :func:`dataset_info` and the registry
  :data:`DATASETS` (:class:`DatasetInfo` per set).

Where the files are looked for
------------------------------
:func:`load` searches, in this order,

1. the ``data_dir`` argument;
2. the folder(s) in the environment variable ``OPTKIT_DATA_DIR`` (several
   folders may be given, separated by ``os.pathsep``);
3. the user cache: the ``cache_dir`` argument, else ``$OPTKIT_CACHE_DIR``,
   else ``~/.cache/optkit/libsvm``.

In each folder it accepts the file under the data set's name (``a9a``), the
same name with ``.bz2`` appended (decompressed on the fly), or the remote file
name used on the LIBSVM page (``rcv1_train.binary.bz2``, with or without the
``.bz2``).  If none is found and ``download=True``, the file is fetched from
the LIBSVM page into the cache (under its remote name) with a progress bar,
SHA-256 verification and an atomic write: the bytes go to a temporary file in
the cache folder, which is renamed into place only once complete and
verified, so an interrupted or corrupted download never leaves a file behind.
The base URL (``https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/``,
to which the task folder ``binary/``, ``regression/`` or ``multiclass/`` is
appended) can be replaced through ``OPTKIT_LIBSVM_URL``, e.g. to use a
mirror.

Registry entries whose ``sha256`` is ``None`` (the sets outside the
project's shared data folder -- ``w8a``, ``ijcnn1``, ``rcv1.binary``, the test
sets ``a1a.t``, ``w1a.t``, ... -- whose files we have not pinned) are
downloaded without verification: a :class:`UserWarning` says so and gives the
SHA-256 of what was received, which can be added to the registry.

Relation to ``libsvmdata``
--------------------------
Data set names follow the ``libsvmdata`` package (``fetch_libsvm(name)``):
``"news20.binary"``, ``"rcv1.binary"``, ``"real-sim"``, ``"covtype.binary"``,
``"gisette"``, ... so that its users find their way; ``libsvmdata``'s
``"<name>_test"`` spelling is accepted as an alias of ``"<name>.t"``.  Unlike
``libsvmdata``, files are kept as published (no conversion to ``.npz``), the
cache lives in ``~/.cache/optkit/libsvm`` rather than ``~/data/libsvm``, and
binary labels are mapped to ``{-1, +1}``.

File format accepted by the reader
----------------------------------
One sample per line, ``<label> <index>:<value> <index>:<value> ...``, indices
1-based integers.  Blank lines and ``#`` comments are skipped; ``qid:<n>``
tokens (SVMlight ranking files) are accepted and **ignored**.  Indices within
a line may come in any order but must not repeat.  Anything else -- a token
without ``:``, a non-numeric or non-finite label or value, an index ``<= 0``
or above ``n_features``, a truncated last line such as ``1 3:`` -- raises
:class:`ValueError` naming the file and the 1-based line number.
"""

from __future__ import annotations

import bz2
import difflib
import gzip
import hashlib
import math
import os
import tempfile
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

import numpy as np
import scipy.sparse as sp

__all__ = [
    "DATASETS",
    "ChecksumError",
    "DatasetInfo",
    "DownloadError",
    "dataset_info",
    "list_datasets",
    "load",
    "load_file",
]

PathLike = Union[str, "os.PathLike[str]"]

#: Default root of the LIBSVM data sets; the task folder is appended.
LIBSVM_URL = "https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/"

_TASKS = ("binary", "regression", "multiclass")
_DOWNLOAD_TIMEOUT = 60.0  # seconds without data before giving up
_CHUNK = 1 << 20


# --------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class DatasetInfo:
    """What the registry knows about one LIBSVM data set.

    Parameters
    ----------
    name : str
        The name :func:`load` accepts (``"a9a"``, ``"a9a.t"``,
        ``"rcv1.binary"``).
    task : {"binary", "regression", "multiclass"}
        The LIBSVM page the set is listed on; also the folder of its URL.
    n_samples : int
        Number of samples (lines) of the file.
    n_features : int
        Official feature count (width of ``X``), which can exceed the largest
        index that occurs in the file.
    sha256 : str or None
        SHA-256 of the file as stored (the remote file, compressed if the
        remote file is), or ``None`` when not pinned.
    remote_name : str
        File name on the LIBSVM page, often ``NAME.bz2``.
    labels : tuple of float, optional
        For binary sets, the raw labels ``(negative, positive)`` used by the
        file; they are mapped to ``(-1, +1)``.  ``None`` means "the smaller
        label is negative".

    Examples
    --------
    >>> from optkit.problems.libsvm import dataset_info
    >>> info = dataset_info("mushrooms")
    >>> info.n_samples, info.n_features, info.labels
    (8124, 112, (1.0, 2.0))
    """

    name: str
    task: str
    n_samples: int
    n_features: int
    sha256: str | None
    remote_name: str
    labels: tuple[float, float] | None = None

    @property
    def url_path(self) -> str:
        """Path of the file below the LIBSVM root, e.g. ``binary/a9a``."""
        return f"{self.task}/{self.remote_name}"


def _entries() -> dict[str, DatasetInfo]:
    pm, zo, ot = (-1.0, 1.0), (0.0, 1.0), (1.0, 2.0)
    b, r = "binary", "regression"
    rows = [
        # Sets shipped in the project's shared folder: counts and SHA-256 as
        # in its MANIFEST.tsv (files as published on the LIBSVM page).
        ("a1a", b, 1605, 123,
         "eb54c45f1bdb51286f803dd092eb8202b44637a858fc6c4e533a2d64a0d94b4e",
         "a1a", pm),
        ("a9a", b, 32561, 123,
         "f5d5ffd8d865ff41328e7ee043e4b020816914ff6843ff15b98905ddbedce906",
         "a9a", pm),
        ("a9a.t", b, 16281, 123,
         "1f448a153f0320399a7e40836eb207655b0bde0f21fc941cc472193daa9f5de9",
         "a9a.t", pm),
        ("w1a", b, 2477, 300,
         "0ae2b1c40f6a99061d1c6f4a1f3b50eea58a2f3b8bf851a337c25c2a65a49d32",
         "w1a", pm),
        ("mushrooms", b, 8124, 112,
         "f39a4eb628dc61a7d43760815b061c9e497aa728ce1ad8bde57a09ef6043b538",
         "mushrooms", ot),
        ("phishing", b, 11055, 68,
         "0cf66ef36604c393da9359b2e5d894a2df8aee31fd184633cefa138add2ef08a",
         "phishing", zo),
        ("heart_scale", b, 270, 13,
         "5defa0a4c4c5bdaf3f55ae3828310252e8565c13ee37ce279e0b86d82e7f4ce9",
         "heart_scale", pm),
        ("australian_scale", b, 690, 14,
         "86799bcc4dbcd41929a514fa181d1c1a40e01f009dee139d4141a194d7ecd9e3",
         "australian_scale", pm),
        ("diabetes_scale", b, 768, 8,
         "0c07eb4c49e7a8ffb9c9f25095ac3022df2ca85b0dcb7d294c3ddea69f392cba",
         "diabetes_scale", pm),
        ("german.numer_scale", b, 1000, 24,
         "e461161650598fda2988f2a4c3b592634bbcae1c0eec382c94ceda5f30d4dab4",
         "german.numer_scale", pm),
        ("ionosphere_scale", b, 351, 34,
         "c4f7fb384c95f758fbc92e06652b952cdf906e28707a5f24ab5b1d691d9296e3",
         "ionosphere_scale", pm),
        ("sonar_scale", b, 208, 60,
         "5d820b62d9873f13b283738971b02aef67900fcd98b310c8e77eca3d0dc53daa",
         "sonar_scale", pm),
        ("splice", b, 1000, 60,
         "eee33566cfe8988ec26122460cc712d66c5c5b79b966b259408e803addaa584d",
         "splice", pm),
        ("svmguide1", b, 3089, 4,
         "2b9ab55b6236f62cee6b7739b52f9e7cb033771f39b9c22c1f1790d80ef14d7f",
         "svmguide1", zo),
        ("housing_scale", r, 506, 13,
         "bbacd2f526a038499717d5dc4b8895e6baf1e2351895b9360a84bcb31e104476",
         "housing_scale", None),
        ("abalone_scale", r, 4177, 8,
         "7f1f6ca7f636e684949fc3f6388fc4f7503083717f776876bbdd11098fc5378b",
         "abalone_scale", None),
        # Other common sets (sizes from the LIBSVM page; files not pinned).
        ("a1a.t", b, 30956, 123, None, "a1a.t", pm),
        ("w1a.t", b, 47272, 300, None, "w1a.t", pm),
        ("w8a", b, 49749, 300, None, "w8a", pm),
        ("w8a.t", b, 14951, 300, None, "w8a.t", pm),
        ("splice.t", b, 2175, 60, None, "splice.t", pm),
        ("svmguide1.t", b, 4000, 4, None, "svmguide1.t", zo),
        ("ijcnn1", b, 49990, 22, None, "ijcnn1.bz2", pm),
        ("ijcnn1.t", b, 91701, 22, None, "ijcnn1.t.bz2", pm),
        ("covtype.binary", b, 581012, 54, None,
         "covtype.libsvm.binary.bz2", ot),
        ("real-sim", b, 72309, 20958, None, "real-sim.bz2", pm),
        ("rcv1.binary", b, 20242, 47236, None, "rcv1_train.binary.bz2", pm),
        ("rcv1.binary.t", b, 677399, 47236, None,
         "rcv1_test.binary.bz2", pm),
        ("news20.binary", b, 19996, 1355191, None, "news20.binary.bz2", pm),
        ("madelon", b, 2000, 500, None, "madelon", pm),
        ("madelon.t", b, 600, 500, None, "madelon.t", pm),
        ("gisette", b, 6000, 5000, None, "gisette_scale.bz2", pm),
        ("gisette.t", b, 1000, 5000, None, "gisette_scale.t.bz2", pm),
    ]
    return {row[0]: DatasetInfo(*row) for row in rows}


#: Registry of known data sets, name -> :class:`DatasetInfo`.
DATASETS: dict[str, DatasetInfo] = _entries()


def list_datasets(task: str | None = None) -> list[str]:
    """Names of the registered data sets.

    Parameters
    ----------
    task : {"binary", "regression", "multiclass"}, optional
        Keep only the sets of this task.  ``None`` (default) lists all.

    Returns
    -------
    list of str
        Sorted names, as accepted by :func:`load`.

    Raises
    ------
    ValueError
        If ``task`` is not one of the known tasks.

    Examples
    --------
    >>> from optkit.problems.libsvm import list_datasets
    >>> "a9a" in list_datasets("binary")
    True
    >>> list_datasets("regression")
    ['abalone_scale', 'housing_scale']
    """
    if task is not None and task not in _TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {_TASKS}")
    return sorted(n for n, i in DATASETS.items() if task is None or i.task == task)


def dataset_info(name: str) -> DatasetInfo:
    """Registry entry of a data set.

    Parameters
    ----------
    name : str
        A registered name (see :func:`list_datasets`).  The ``libsvmdata``
        spelling ``"<name>_test"`` is accepted for ``"<name>.t"``.

    Returns
    -------
    DatasetInfo

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the closest names.

    Examples
    --------
    >>> from optkit.problems.libsvm import dataset_info
    >>> dataset_info("rcv1.binary").remote_name
    'rcv1_train.binary.bz2'
    >>> dataset_info("a9a_test").name
    'a9a.t'
    """
    if not isinstance(name, str):
        raise TypeError(f"data set name must be a str, got {type(name).__name__}")
    if name in DATASETS:
        return DATASETS[name]
    if name.endswith("_test") and name[:-5] + ".t" in DATASETS:
        return DATASETS[name[:-5] + ".t"]
    names = list(DATASETS)
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    if not close:  # prefix matches help for short names ("a9" -> "a9a")
        close = [n for n in sorted(names) if n.lower().startswith(name.lower())][:5]
    hint = (f" Did you mean {', '.join(repr(c) for c in close)}?" if close
            else "")
    raise ValueError(
        f"unknown LIBSVM data set {name!r}.{hint} "
        f"Known sets: see optkit.problems.libsvm.list_datasets(); "
        f"use load_file(path) for any other file."
    )


# --------------------------------------------------------------------------
# reading files
# --------------------------------------------------------------------------
def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed if it is bzip2 or gzip."""
    with open(path, "rb") as fh:
        head = fh.read(3)
    name = path.name.lower()
    try:
        if head == b"BZh" or name.endswith(".bz2"):
            with bz2.open(path, "rb") as fh:
                return fh.read()
        if head[:2] == b"\x1f\x8b" or name.endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                return fh.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path}: cannot decompress: {exc}") from exc
    return path.read_bytes()


_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[list(b" \t\n\r\x0b\x0c")] = True  # what bytes.split() splits on
_COLON, _NEWLINE, _SPACE = ord(":"), ord("\n"), ord(" ")
_MAX_INDEX_DIGITS = 18  # fits in int64
_CHUNK_BYTES = 1 << 25  # the parser works on ~32 MB of text at a time


def _number(tok: bytes) -> float | None:
    """``float(tok)`` if ``tok`` is a plain finite number, else ``None``."""
    if b"_" in tok:  # float() would accept "1_0"; the format does not
        return None
    try:
        v = float(tok)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _explain(tok: bytes, first: bool, n_features: int | None) -> str | None:
    """Why ``tok`` is not acceptable at its place (``None`` if it is)."""
    t = tok.decode("latin-1")
    if first:
        if ":" in t:
            return f"missing label: the line starts with {t!r}"
        if _number(tok) is None:
            return f"invalid label {t!r} (expected a finite number)"
        return None
    if ":" not in t:
        return f"invalid token {t!r} (expected <index>:<value>)"
    head, _, tail = t.partition(":")
    if head == "qid" and ":" not in tail:
        return None
    if not head:
        return f"missing index in {t!r}"
    if not tail:
        return f"missing value in {t!r} (truncated line?)"
    if not (head.isascii() and head.isdigit()):
        return f"invalid feature index {head!r} in {t!r} (expected an integer >= 1)"
    if ":" in tail or _number(tail.encode("latin-1")) is None:
        return f"invalid value {tail!r} in {t!r} (expected a finite number)"
    if len(head) > _MAX_INDEX_DIGITS:
        return f"feature index {head} in {t!r} is too large"
    index = int(head)
    if index < 1:
        return f"feature index {index} in {t!r} is out of range: indices start at 1"
    if n_features is not None and index > n_features:
        return f"feature index {index} exceeds n_features={n_features}"
    return None


def _spans(starts: np.ndarray, stops: np.ndarray, size: int) -> np.ndarray:
    """Boolean mask of the union of disjoint ``[starts[k], stops[k])``."""
    mark = np.zeros(size + 1, dtype=np.int8)
    mark[starts] += 1
    mark[stops] -= 1
    return np.cumsum(mark[:-1], dtype=np.int8).astype(bool)


def _parse_integers(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray):
    """Values of the tokens ``buf[starts:ends]`` that are short integers.

    Returns ``(values, ok)``: ``ok`` flags the tokens of the form
    ``[+-]?[0-9]{1,15}``, whose value is exact in ``values``.
    """
    sign = buf[starts]
    negative = sign == ord("-")
    s0 = starts + (negative | (sign == ord("+")))
    width = ends - s0
    ok = (width >= 1) & (width <= 15)
    acc = np.zeros(starts.size, dtype=np.int64)
    for j in range(int(width[ok].max()) if ok.any() else 0):
        active = ok & (width > j)
        d = buf[np.where(active, s0 + j, 0)].astype(np.int64) - ord("0")
        ok &= ~active | ((d >= 0) & (d <= 9))
        acc = np.where(active, acc * 10 + d, acc)
    values = acc.astype(np.float64)
    np.negative(values, out=values, where=negative)
    return values, ok


def _parse_numbers(text: bytes, starts, ends, count: int):
    """Parse the ``count`` numbers of ``text`` (whitespace separated).

    Returns the values, or the position (in ``starts``) of the first number
    that does not parse or is not finite.
    """
    try:
        values = np.fromstring(text, dtype=np.float64, sep=" ")
    except ValueError:
        values = None
    if values is not None and values.size == count:
        finite = np.isfinite(values)
        if finite.all():
            return values, None
        return None, int(np.argmin(finite))
    # Locate the culprit: parse blocks, then tokens of the failing block.
    block = 4096
    for b0 in range(0, count, block):
        b1 = min(b0 + block, count)
        try:
            part = np.fromstring(text[starts[b0]:ends[b1 - 1]], dtype=np.float64, sep=" ")
            if part.size == b1 - b0 and np.isfinite(part).all():
                continue
        except ValueError:
            pass
        for k in range(b0, b1):
            if _number(text[starts[k]:ends[k]]) is None:
                return None, k
    return None, -1  # pragma: no cover - fromstring and float() disagree


def _parse_chunk(chunk: bytes, source: str, line0: int, n_features: int | None):
    """Parse whole lines of LIBSVM text.

    Returns ``(y, row_lengths, columns (0-based), values)``; raises
    ``ValueError`` naming ``source`` and the line (``line0`` lines precede
    the chunk).
    """
    empty = (np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    buf = np.frombuffer(chunk, dtype=np.uint8)
    size = buf.size
    if size == 0:
        return empty
    # tokens: maximal runs of non-whitespace bytes
    solid = ~_WHITESPACE[buf]
    step = np.diff(solid.view(np.int8))
    starts = np.flatnonzero(step == 1) + 1
    ends = np.flatnonzero(step == -1) + 1
    del step
    if solid[0]:
        starts = np.concatenate(([0], starts))
    if solid[-1]:
        ends = np.concatenate((ends, [size]))
    del solid
    n_tok = starts.size
    if n_tok == 0:
        return empty
    line = np.searchsorted(np.flatnonzero(buf == _NEWLINE), starts)
    first = np.empty(n_tok, dtype=bool)  # the label of a line
    first[0] = True
    np.not_equal(line[1:], line[:-1], out=first[1:])

    # colons: how many in each token, and where the first one is
    cpos = np.flatnonzero(buf == _COLON)
    lo = np.searchsorted(cpos, starts)
    n_colon = np.searchsorted(cpos, ends) - lo
    colon = ends.copy()
    has = n_colon > 0
    colon[has] = cpos[lo[has]]
    del cpos, lo, has

    qid = ~first & (n_colon == 1) & (colon - starts == 3)
    if qid.any():
        s = starts[qid]
        qid[qid] = (buf[s] == ord("q")) & (buf[s + 1] == ord("i")) & (buf[s + 2] == ord("d"))
    feat = ~first & ~qid
    bad = first & (n_colon != 0)
    bad |= feat & ((n_colon != 1) | (colon == starts) | (ends - colon <= 1)
                   | (colon - starts > _MAX_INDEX_DIGITS))

    # feature indices: decimal digits only, parsed column by column
    index = np.zeros(n_tok, dtype=np.int64)
    fk = np.flatnonzero(feat & ~bad)
    if fk.size:
        fs = starts[fk]
        width = colon[fk] - fs
        acc = np.zeros(fk.size, dtype=np.int64)
        digits_ok = np.ones(fk.size, dtype=bool)
        for j in range(int(width.max())):
            active = width > j
            d = buf[np.where(active, fs + j, 0)].astype(np.int64) - ord("0")
            digits_ok &= ~active | ((d >= 0) & (d <= 9))
            acc = np.where(active, acc * 10 + d, acc)
        index[fk] = acc
        bad[fk[~digits_ok]] = True
        bad |= feat & (index < 1)
        if n_features is not None:
            bad |= feat & (index > n_features)

    # Only the tokens before the first bad one are converted, so that the
    # error reported is the first one in the file.
    stop = int(np.argmax(bad)) if bad.any() else n_tok
    errors: dict[int, str] = {}  # token position -> message
    if stop < n_tok:
        tok = chunk[starts[stop]:ends[stop]]
        errors[stop] = (_explain(tok, bool(first[stop]), n_features)
                        or f"malformed token {tok.decode('latin-1')!r}")
    first_ok, feat_ok, qid_ok = first.copy(), feat.copy(), qid.copy()
    first_ok[stop:] = feat_ok[stop:] = qid_ok[stop:] = False
    limit = int(starts[stop]) if stop < n_tok else size

    # labels and values: short integers ("1", "-1", "0") are converted here;
    # the other numbers by np.fromstring on the text with everything else
    # blanked out.  Both are exact (correctly rounded).
    num_pos = np.flatnonzero(first_ok | feat_ok)
    num_start = np.where(first, starts, colon + 1)[num_pos]
    num_end = ends[num_pos]
    values, is_int = _parse_integers(buf, num_start, num_end)
    rest = np.flatnonzero(~is_int)
    if rest.size:
        blank_start = np.concatenate((starts[feat_ok], starts[qid_ok], num_start[is_int]))
        blank_stop = np.concatenate((colon[feat_ok] + 1, ends[qid_ok], num_end[is_int]))
        text = buf[:limit].copy()
        text[_spans(blank_start, blank_stop, limit)] = _SPACE
        parsed, culprit = _parse_numbers(text.tobytes(), num_start[rest],
                                         num_end[rest], rest.size)
        del text
        if parsed is None:
            p = int(num_pos[rest[max(culprit, 0)]])
            tok = chunk[starts[p]:ends[p]]
            errors[p] = (_explain(tok, bool(first[p]), n_features)
                         or f"malformed token {tok.decode('latin-1')!r}")
        else:
            values[rest] = parsed

    is_label = first_ok[num_pos]
    y = values[is_label]
    data = values[~is_label]
    fpos = np.flatnonzero(feat_ok)
    row = np.cumsum(first)[fpos] - 1
    col = index[fpos] - 1
    lengths = np.bincount(row, minlength=y.size)
    if col.size > 1:
        same_row = row[1:] == row[:-1]
        if (same_row & (col[1:] < col[:-1])).any():  # unsorted lines: sort
            order = np.lexsort((col, row))
            row, col, data, fpos = row[order], col[order], data[order], fpos[order]
        dup = same_row & (col[1:] == col[:-1])
        if dup.any():
            p = int(fpos[1:][dup].min())
            errors[p] = f"feature index {int(index[p])} occurs twice on the line"
    if errors:
        p = min(errors)
        raise ValueError(f"{source}, line {line0 + int(line[p]) + 1}: {errors[p]}")
    return y, lengths, col, data


def _parse(raw: bytes, source: str, n_features: int | None):
    """Parse LIBSVM text into ``(X, y)``; see :func:`load_file`."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if b"#" in raw:  # comments run to the end of the line
        raw = b"\n".join(line.split(b"#", 1)[0] for line in raw.split(b"\n"))

    ys, lengths, cols, datas = [], [], [], []
    begin, line0 = 0, 0
    while begin < len(raw):
        stop = raw.find(b"\n", begin + _CHUNK_BYTES)
        stop = len(raw) if stop < 0 else stop + 1
        chunk = raw[begin:stop]
        y, n, c, d = _parse_chunk(chunk, source, line0, n_features)
        ys.append(y)
        lengths.append(n)
        cols.append(c)
        datas.append(d)
        line0 += chunk.count(b"\n")
        begin = stop

    y = np.concatenate(ys) if ys else np.zeros(0)
    col = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    data = np.concatenate(datas) if datas else np.zeros(0)
    n_rows = y.size
    if n_features is None:
        n_features = int(col.max()) + 1 if col.size else 0
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    if n_rows:
        np.cumsum(np.concatenate(lengths), out=indptr[1:])
    itype = np.int32 if max(n_features, col.size) < 2**31 - 1 else np.int64
    X = sp.csr_matrix((data, col.astype(itype), indptr.astype(itype)),
                      shape=(n_rows, int(n_features)))
    return X, y


def _to_plus_minus_one(y: np.ndarray, source: str,
                       pair: tuple[float, float] | None = None) -> np.ndarray:
    """Map binary labels to {-1, +1}; raise if there are more than two."""
    values = np.unique(y)
    if values.size > 2:
        shown = ", ".join(f"{v:g}" for v in values[:6])
        more = ", ..." if values.size > 6 else ""
        raise ValueError(
            f"{source}: labels are not binary: found {values.size} distinct "
            f"labels ({shown}{more}) in a data set declared binary"
        )
    present = set(values.tolist())
    if pair is not None and present <= set(pair):
        pos = pair[1]
    elif values.size == 2:
        pos = float(values[1])
    elif present <= {-1.0, 1.0}:
        return y.astype(np.float64, copy=True)
    else:
        raise ValueError(
            f"{source}: cannot map the single label {values[0]:g} to "
            f"{{-1, +1}}; a binary file needs two distinct labels"
        )
    return np.where(y == pos, 1.0, -1.0)


_BINARY_CONVENTIONS = ({-1.0, 1.0}, {0.0, 1.0}, {1.0, 2.0})


def load_file(path: PathLike, n_features: int | None = None, *,
              binary: bool | None = None):
    """Read a file in LIBSVM / SVMlight format.

    Parameters
    ----------
    path : str or path-like
        The file.  Files ending in ``.bz2`` or ``.gz`` (or starting with the
        bzip2/gzip magic bytes) are decompressed on the fly.
    n_features : int, optional
        Width of ``X``.  Give the official feature count of the data set:
        files need not mention the last features (``a1a`` uses indices up to
        119 of 123), so without it the width is the largest index found.
        An index above ``n_features`` is an error.
    binary : bool, optional
        ``True``: the labels are binary and are mapped to ``{-1, +1}`` (the
        smaller label becomes -1); more than two distinct labels raise
        :class:`ValueError`.  ``False``: labels are returned as read.
        ``None`` (default): labels are mapped to ``{-1, +1}`` only when their
        set is exactly one of the usual binary conventions ``{-1, 1}``,
        ``{0, 1}`` or ``{1, 2}``, and returned as read otherwise.

    Returns
    -------
    X : scipy.sparse.csr_matrix
        ``(n_samples, n_features)``, float64, sorted indices.  Explicit zeros
        written in the file are kept.
    y : ndarray
        ``(n_samples,)``, float64.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is malformed (the message gives the file and the 1-based
        line), or ``binary=True`` and the labels are not binary.

    Notes
    -----
    Blank lines and ``#`` comments are skipped and ``qid:<n>`` tokens are
    ignored.  Indices of a line may come in any order (they are sorted) but
    must not repeat.

    The parser works on the raw bytes with NumPy, in pieces of about 32 MB:
    short integers are converted directly and other numbers by
    ``numpy.fromstring``; both are correctly rounded, so values equal
    Python's ``float()`` of the text (and scikit-learn's
    ``load_svmlight_file``).  ``a9a`` (32561 x 123, 2.3 MB) reads in about
    0.1 s.  When a file has several errors, the first one is reported.

    Examples
    --------
    >>> from optkit.problems.libsvm import load_file
    >>> X, y = load_file("heart_scale", n_features=13)  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((270, 13), [-1.0, 1.0])
    """
    if binary not in (None, True, False):
        raise TypeError(f"binary must be True, False or None, got {binary!r}")
    path = Path(os.fspath(path))
    if n_features is not None:
        if int(n_features) != n_features or n_features < 0:
            raise ValueError(f"n_features must be a non-negative integer, got {n_features!r}")
        n_features = int(n_features)
    raw = _read_bytes(path)
    X, y = _parse(raw, str(path), n_features)
    if binary is True:
        y = _to_plus_minus_one(y, str(path))
    elif binary is None and set(np.unique(y).tolist()) in _BINARY_CONVENTIONS:
        y = _to_plus_minus_one(y, str(path))
    return X, y


# --------------------------------------------------------------------------
# where files live
# --------------------------------------------------------------------------
def _cache_dir(cache_dir: PathLike | None = None) -> Path:
    if cache_dir is not None:
        return Path(os.fspath(cache_dir)).expanduser()
    env = os.environ.get("OPTKIT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "optkit" / "libsvm"


def _search_folders(data_dir, cache_dir) -> list[tuple[Path, str]]:
    folders: list[tuple[Path, str]] = []
    if data_dir is not None:
        folders.append((Path(os.fspath(data_dir)).expanduser(), "data_dir argument"))
    for part in os.environ.get("OPTKIT_DATA_DIR", "").split(os.pathsep):
        if part.strip():
            folders.append((Path(part.strip()).expanduser(), "$OPTKIT_DATA_DIR"))
    folders.append((_cache_dir(cache_dir), "cache"))
    return folders


def _candidate_names(info: DatasetInfo) -> list[str]:
    names = [info.name, info.name + ".bz2", info.remote_name]
    if info.remote_name.endswith(".bz2"):
        names.append(info.remote_name[:-4])
    return list(dict.fromkeys(names))


def _find(info: DatasetInfo, folders: Iterable[tuple[Path, str]]) -> Path | None:
    names = _candidate_names(info)
    for folder, _ in folders:
        for fname in names:
            candidate = folder / fname
            if candidate.is_file():
                return candidate
    return None


def _url(info: DatasetInfo) -> str:
    root = os.environ.get("OPTKIT_LIBSVM_URL") or LIBSVM_URL
    return root.rstrip("/") + "/" + info.url_path


# --------------------------------------------------------------------------
# downloading
# --------------------------------------------------------------------------
class DownloadError(OSError):
    """A data set could not be downloaded (network error, HTTP error)."""


class ChecksumError(DownloadError):
    """A downloaded file does not have the SHA-256 recorded in the registry."""


def _download(info: DatasetInfo, folder: Path) -> Path:
    """Fetch ``info``'s file into ``folder`` atomically; return its path."""
    from tqdm.auto import tqdm

    url = _url(info)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / info.remote_name
    fd, tmp_name = tempfile.mkstemp(prefix=f".{info.remote_name}.",
                                    suffix=".part", dir=folder)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(
                url, headers={"User-Agent": "optkit (LIBSVM data loader)"})
            try:
                response = urllib.request.urlopen(request, timeout=_DOWNLOAD_TIMEOUT)
            except urllib.error.HTTPError as exc:
                exc.close()  # the error carries the open response
                raise DownloadError(
                    f"could not download LIBSVM data set {info.name!r} from "
                    f"{url}: HTTP {exc.code} {exc.reason}. If the file has "
                    f"moved, set OPTKIT_LIBSVM_URL to a mirror or put the file "
                    f"in a folder named by OPTKIT_DATA_DIR."
                ) from exc
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise DownloadError(
                    f"could not download LIBSVM data set {info.name!r} from "
                    f"{url}: {reason}. Check the connection, set "
                    f"OPTKIT_LIBSVM_URL to a mirror, or put the file in a "
                    f"folder named by OPTKIT_DATA_DIR."
                ) from exc
            with response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                received = 0
                with tqdm(total=total, unit="B", unit_scale=True,
                          unit_divisor=1024, desc=info.remote_name,
                          disable=None, leave=False) as bar:
                    while True:
                        try:
                            chunk = response.read(_CHUNK)
                        except Exception as exc:  # IncompleteRead, timeouts
                            raise DownloadError(
                                f"download of {url} was interrupted after "
                                f"{received} bytes: {exc!r}") from exc
                        if not chunk:
                            break
                        out.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
            if total is not None and received != total:
                raise DownloadError(
                    f"download of {url} is incomplete: got {received} of "
                    f"{total} bytes")
            out.flush()
            os.fsync(out.fileno())
        got = digest.hexdigest()
        if info.sha256 is None:
            warnings.warn(
                f"the file of LIBSVM data set {info.name!r} downloaded from "
                f"{url} could not be verified: the registry has no SHA-256 "
                f"for it (received sha256={got})",
                UserWarning, stacklevel=3)
        elif got != info.sha256.lower():
            raise ChecksumError(
                f"SHA-256 mismatch for LIBSVM data set {info.name!r} "
                f"downloaded from {url}: expected {info.sha256}, got {got}. "
                f"The file was discarded; the server may hold a different "
                f"version, or the transfer was corrupted."
            )
        os.chmod(tmp, 0o644)  # mkstemp creates the file private (0600)
        os.replace(tmp, target)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    return target


# --------------------------------------------------------------------------
# public loader
# --------------------------------------------------------------------------
def load(name: str, *, data_dir: PathLike | None = None, download: bool = True,
         cache_dir: PathLike | None = None):
    """Load a registered LIBSVM data set, downloading it if needed.

    Parameters
    ----------
    name : str
        Data set name, see :func:`list_datasets` (``"a9a"``, ``"a9a.t"``
        for the test set, ``"rcv1.binary"``, ``"real-sim"``, ...).
        ``libsvmdata``'s ``"<name>_test"`` is accepted for ``"<name>.t"``.
    data_dir : str or path-like, optional
        Folder searched first.
    download : bool, default True
        Download the file into the cache when it is found nowhere.  With
        ``False`` a missing file raises :class:`FileNotFoundError`.
    cache_dir : str or path-like, optional
        Cache folder, searched last and receiving downloads.  Defaults to
        ``$OPTKIT_CACHE_DIR``, else ``~/.cache/optkit/libsvm``.

    Returns
    -------
    X : scipy.sparse.csr_matrix
        ``(n_samples, n_features)`` float64, with the official feature count.
    y : ndarray
        ``(n_samples,)`` float64; in ``{-1, +1}`` for binary sets, the raw
        targets for regression sets.

    Raises
    ------
    ValueError
        Unknown name (the message suggests close matches), malformed file,
        or a binary set whose file holds more than two labels.
    FileNotFoundError
        ``download=False`` and the file is in none of the searched folders.
    DownloadError
        The download failed (HTTP error, network error, truncated transfer);
        :class:`ChecksumError` if the SHA-256 does not match the registry.

    Warns
    -----
    UserWarning
        A download is not verified because the registry has no SHA-256 for
        the set, or the file's sample count differs from the registry.

    Notes
    -----
    Search order: ``data_dir``, then ``$OPTKIT_DATA_DIR``, then the cache;
    see the module docstring for the accepted file names and the download
    procedure.  Downloads go to
    ``<OPTKIT_LIBSVM_URL or LIBSVM root>/<task>/<remote name>``.

    Examples
    --------
    >>> from optkit.problems.libsvm import load
    >>> X, y = load("a9a")  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((32561, 123), [-1.0, 1.0])
    >>> X_test, y_test = load("a9a.t", download=False)  # doctest: +SKIP
    """
    info = dataset_info(name)
    folders = _search_folders(data_dir, cache_dir)
    path = _find(info, folders)
    if path is None:
        if not download:
            listing = "\n".join(
                f"  - {folder} ({why}{'' if folder.is_dir() else ', missing'})"
                for folder, why in folders)
            raise FileNotFoundError(
                f"LIBSVM data set {info.name!r} not found (download=False). "
                f"Looked for {', '.join(_candidate_names(info))} in:\n"
                f"{listing}\n"
                f"Put the file in one of these folders, point the environment "
                f"variable OPTKIT_DATA_DIR at the folder holding it (e.g. "
                f"export OPTKIT_DATA_DIR=/path/to/libsvm), or call "
                f"load({info.name!r}, download=True)."
            )
        path = _download(info, _cache_dir(cache_dir))

    X, y = load_file(path, n_features=info.n_features, binary=False)
    if info.task == "binary":
        y = _to_plus_minus_one(y, str(path), info.labels)
    if X.shape[0] != info.n_samples:
        warnings.warn(
            f"{path}: {X.shape[0]} samples, but the registry lists "
            f"{info.n_samples} for {info.name!r}; the file may be another "
            f"version of the data set", UserWarning, stacklevel=2)
    return X, y
