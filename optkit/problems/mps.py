r"""Reader of linear programs in MPS format (fixed and free, gzip transparently).

The model read is

.. math::

    \min_x\; c^T x + c_0 \quad\text{s.t.}\quad
    r^{lo} \le A x \le r^{up},\qquad l \le x \le u

(or ``max`` under ``OBJSENSE MAX``). Sections: ``NAME``, ``OBJSENSE`` (the
sense on the same line or the next), ``ROWS``, ``COLUMNS`` (integer
``MARKER`` lines are honoured: the columns are flagged in ``integrality``),
``RHS`` (an entry on the objective row sets :math:`c_0 = -\text{value}`),
``RANGES``, ``BOUNDS`` (``UP LO FX FR MI PL BV LI UI``; ``SC`` is refused) and
``ENDATA``. Conventions (those of the MPS standard as CPLEX and HiGHS read it):

* a ``RANGES`` value :math:`R` on a row with right-hand side :math:`b` gives
  ``L``: :math:`[b - |R|, b]`, ``G``: :math:`[b, b + |R|]`, ``E``:
  :math:`[b, b + R]` if :math:`R > 0` else :math:`[b + R, b]`;
* an ``UP`` (or ``UI``) bound below 0 leaves the default lower bound 0 as it
  is (HiGHS's reading; some older readers made it :math:`-\infty`), so such a
  column has empty bounds unless the file also sets its lower bound, and
  :meth:`~optkit.problems.lp.LPProblem.from_mps` refuses it naming the index;
* explicit zero coefficients in ``COLUMNS`` are dropped (the matrix keeps
  structural nonzeros only);
* the first ``N`` row is the objective; later ``N`` rows are free rows and are
  dropped.

Fields are split on whitespace (free MPS). In ``format="auto"`` (the default) a
line that does not parse that way is read again by the fixed-format columns
(2-3, 5-12, 15-22, 25-36, 40-47, 50-61), so fixed files whose names contain
spaces are read too; ``format="fixed"`` reads every data line by columns.

Every error names the file and the line.
"""

from __future__ import annotations

import dataclasses
import gzip
import math
import os

import numpy as np
import scipy.sparse as sp

__all__ = ["MPSModel", "MPSError", "read_mps"]

_SECTIONS = ("NAME", "OBJSENSE", "OBJSENSE", "ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS",
             "ENDATA")
_ROW_TYPES = ("N", "E", "L", "G")
_BOUND_TYPES = ("UP", "LO", "FX", "FR", "MI", "PL", "BV", "LI", "UI")
_VALUELESS_BOUNDS = ("FR", "MI", "PL", "BV")
#: fixed-MPS field columns (1-based, inclusive): type, name 1, name 2, value 1, name 3, value 2
_FIXED_FIELDS = ((1, 3), (4, 12), (14, 22), (24, 36), (39, 47), (49, 61))


class MPSError(ValueError):
    """A malformed MPS file; the message names the file and the line."""


@dataclasses.dataclass
class MPSModel:
    """A linear program as read from an MPS file.

    Attributes
    ----------
    name : str
        The ``NAME`` of the model.
    sense : int
        +1 to minimize, -1 to maximize (``OBJSENSE``).
    c : ndarray, shape (n,)
        Objective coefficients (as written, not negated for ``max``).
    offset : float
        Objective constant :math:`c_0` (minus the objective row's ``RHS``).
    A : scipy.sparse.csr_matrix, shape (m, n)
        Constraint matrix (the objective and free rows excluded).
    row_lower, row_upper : ndarray, shape (m,)
        Row activity bounds (``-inf`` / ``inf`` where absent).
    col_lower, col_upper : ndarray, shape (n,)
        Column bounds.
    integrality : ndarray of bool, shape (n,)
        Columns declared integer (``MARKER`` blocks, ``BV``, ``LI``, ``UI``).
    row_names, col_names : list of str
    path : str
        The file read.
    """

    name: str
    sense: int
    c: np.ndarray
    offset: float
    A: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    row_names: list
    col_names: list
    path: str


def _open(path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="latin-1")
    return open(path, "rt", encoding="latin-1")


class _Reader:
    def __init__(self, path, fmt):
        self.path = str(path)
        self.fmt = fmt
        self.lineno = 0
        self.name = ""
        self.sense = 1
        self.obj_row = None
        self.free_rows = set()
        self.row_index = {}
        self.row_types = []
        self.row_names = []
        self.col_index = {}
        self.col_names = []
        self.integer_cols = set()
        self.in_integer_block = False
        self.obj = {}
        self.entries_r, self.entries_c, self.entries_v = [], [], []
        self.seen_entries = set()
        self.current_col = None
        self.rhs = {}
        self.offset = 0.0
        self.ranges = {}
        self.lower = {}
        self.upper = {}
        self.rhs_set = self.range_set = self.bound_set = None

    def error(self, msg):
        raise MPSError(f"{self.path}, line {self.lineno}: {msg}")

    def number(self, text, what):
        try:
            value = float(text)
        except ValueError:
            self.error(f"{what} {text!r} is not a number")
        if math.isnan(value):
            self.error(f"{what} is NaN")
        return value

    # -- field splitting ---------------------------------------------------------
    def fixed_fields(self, line):
        out = []
        for lo, hi in _FIXED_FIELDS:
            out.append(line[lo:hi].strip() if len(line) > lo else "")
        while out and out[-1] == "":
            out.pop()
        return out

    def parse(self, line, handler):
        """Run ``handler(fields)``; in auto mode retry with fixed columns on failure."""
        if self.fmt == "fixed":
            return handler(self.fixed_fields(line), fixed=True)
        try:
            return handler(line.split(), fixed=False)
        except MPSError:
            if self.fmt == "free" or not line.startswith(" "):
                raise
            # the same line read by columns (fixed MPS allows spaces in names)
            try:
                return handler(self.fixed_fields(line), fixed=True)
            except MPSError:
                pass
            return handler(line.split(), fixed=False)   # report the free-format error

    # -- sections ------------------------------------------------------------------
    def row(self, f, fixed):
        if fixed:
            f = [x for x in f if x != ""]
        if len(f) != 2:
            self.error(f"a ROWS line needs a type and a name, got {len(f)} fields")
        kind, name = f[0].upper(), f[1]
        if kind not in _ROW_TYPES:
            self.error(f"unknown row type {f[0]!r} (expected one of N, E, L, G)")
        if name in self.row_index or name == self.obj_row or name in self.free_rows:
            self.error(f"duplicate row name {name!r}")
        if kind == "N":
            if self.obj_row is None:
                self.obj_row = name
            else:
                self.free_rows.add(name)
            return
        self.row_index[name] = len(self.row_names)
        self.row_names.append(name)
        self.row_types.append(kind)

    def column(self, f, fixed):
        if fixed:
            # fixed: [blank type, column, row, value, row, value]
            f = f[1:] if f and f[0] == "" else f
        if len(f) >= 3 and f[1].strip("'").upper() == "MARKER":
            marker = f[2].strip("'").upper() if len(f) == 3 else f[-1].strip("'").upper()
            if marker == "INTORG":
                self.in_integer_block = True
            elif marker == "INTEND":
                self.in_integer_block = False
            else:
                self.error(f"unknown MARKER {marker!r} (expected 'INTORG' or 'INTEND')")
            return
        if len(f) not in (3, 5):
            self.error(f"a COLUMNS line needs a column and one or two (row, value) pairs, "
                       f"got {len(f)} fields")
        col = f[0]
        # validate the whole line before changing any state (auto mode re-reads
        # a failing line by fixed columns)
        parsed = []
        for k in (1, 3) if len(f) == 5 else (1,):
            r, text = f[k], f[k + 1]
            try:
                v = float(text)
            except ValueError:
                v = self.number(text, f"coefficient of column {col!r} in row {r!r}")
            if v != v:
                self.number(text, f"coefficient of column {col!r} in row {r!r}")
            i = self.row_index.get(r)
            if i is None and r != self.obj_row and r not in self.free_rows:
                self.error(f"column {col!r} refers to row {r!r}, which ROWS does not declare")
            parsed.append((r, i, v))
        if col != self.current_col:
            if col in self.col_index:
                self.error(f"duplicate column name {col!r} (its entries are not contiguous)")
            self.col_index[col] = len(self.col_names)
            self.col_names.append(col)
            self.current_col = col
            if self.in_integer_block:
                self.integer_cols.add(col)
        j = self.col_index[col]
        for r, i, v in parsed:
            key = (r, j)
            if key in self.seen_entries:
                self.error(f"duplicate entry for column {col!r} in row {r!r}")
            self.seen_entries.add(key)
            if i is not None:
                self.entries_r.append(i)
                self.entries_c.append(j)
                self.entries_v.append(v)
            elif r == self.obj_row:
                self.obj[j] = v

    def _set_name_and_pairs(self, f, section, attr):
        """RHS/RANGES lines: [set] row value [row value]; the set name is optional."""
        if len(f) in (3, 5):
            set_name, f = f[0], f[1:]
            current = getattr(self, attr)
            if current is None:
                setattr(self, attr, set_name)
            elif set_name != current:
                self.error(f"{section} set {set_name!r} differs from the first set {current!r} "
                           f"(files with several {section} vectors are not supported)")
        elif len(f) not in (2, 4):
            self.error(f"a {section} line needs [set name] row value [row value], "
                       f"got {len(f)} fields")
        return [(f[0], f[1])] + ([(f[2], f[3])] if len(f) == 4 else [])

    def rhs_line(self, f, fixed):
        if fixed:
            f = [x for x in f[1:] if x != ""]
        pairs = self._set_name_and_pairs(f, "RHS", "rhs_set")
        for r, v in pairs:
            value = self.number(v, f"RHS of row {r!r}")
            if r == self.obj_row:
                self.offset = -value
            elif r in self.free_rows:
                continue
            elif r in self.row_index:
                if r in self.rhs:
                    self.error(f"duplicate RHS entry for row {r!r}")
                self.rhs[r] = value
            else:
                self.error(f"RHS refers to row {r!r}, which ROWS does not declare")

    def range_line(self, f, fixed):
        if fixed:
            f = [x for x in f[1:] if x != ""]
        pairs = self._set_name_and_pairs(f, "RANGES", "range_set")
        for r, v in pairs:
            value = self.number(v, f"RANGES value of row {r!r}")
            if r in self.row_index:
                if r in self.ranges:
                    self.error(f"duplicate RANGES entry for row {r!r}")
                self.ranges[r] = value
            elif r != self.obj_row and r not in self.free_rows:
                self.error(f"RANGES refers to row {r!r}, which ROWS does not declare")

    def bound_line(self, f, fixed):
        if fixed:
            f = [x for x in f if x != ""]
        if not f:
            self.error("empty BOUNDS line")
        kind = f[0].upper()
        if kind == "SC":
            self.error("semicontinuous bounds (SC) are not supported")
        if kind not in _BOUND_TYPES:
            self.error(f"unknown bound type {f[0]!r} (expected one of "
                       f"{', '.join(_BOUND_TYPES)})")
        rest = f[1:]
        needs_value = kind not in _VALUELESS_BOUNDS
        if needs_value:
            if len(rest) == 3:
                set_name, col, v = rest
            elif len(rest) == 2:
                set_name, (col, v) = None, rest
            else:
                self.error(f"a {kind} bound needs [set name] column value, got {len(f)} fields")
        else:
            # BV may carry a value (ignored), as some writers emit one
            if len(rest) == 2 and kind == "BV":
                try:
                    float(rest[1])
                    set_name, col = None, rest[0]
                except ValueError:
                    set_name, col = rest
            elif len(rest) == 3 and kind == "BV":
                set_name, col = rest[0], rest[1]
            elif len(rest) == 2:
                set_name, col = rest
            elif len(rest) == 1:
                set_name, col = None, rest[0]
            else:
                self.error(f"a {kind} bound needs [set name] column, got {len(f)} fields")
            v = None
        if set_name is not None:
            if self.bound_set is None:
                self.bound_set = set_name
            elif set_name != self.bound_set:
                self.error(f"BOUNDS set {set_name!r} differs from the first set "
                           f"{self.bound_set!r} (files with several bound vectors are not "
                           "supported)")
        if col not in self.col_index:
            self.error(f"BOUNDS refers to column {col!r}, which COLUMNS does not declare")
        j = self.col_index[col]
        value = None if v is None else self.number(v, f"{kind} bound of column {col!r}")
        if kind == "UP":
            self.upper[j] = value
        elif kind == "LO":
            self.lower[j] = value
        elif kind == "FX":
            self.lower[j] = self.upper[j] = value
        elif kind == "FR":
            self.lower[j], self.upper[j] = -math.inf, math.inf
        elif kind == "MI":
            self.lower[j] = -math.inf
        elif kind == "PL":
            self.upper[j] = math.inf
        elif kind == "BV":
            self.lower[j], self.upper[j] = 0.0, 1.0
            self.integer_cols.add(col)
        elif kind == "LI":
            self.lower[j] = value
            self.integer_cols.add(col)
        elif kind == "UI":
            self.upper[j] = value
            self.integer_cols.add(col)

    # -- driver --------------------------------------------------------------------
    def read(self):
        handlers = {"ROWS": self.row, "COLUMNS": self.column, "RHS": self.rhs_line,
                    "RANGES": self.range_line, "BOUNDS": self.bound_line}
        section = None
        seen = set()
        ended = False
        try:
            fh = _open(self.path)
        except OSError as exc:
            raise MPSError(f"{self.path}: cannot open ({exc.strerror or exc})") from None
        with fh:
            try:
                lines = fh.readlines()
            except (OSError, EOFError) as exc:
                raise MPSError(f"{self.path}: cannot read ({exc})") from None
        for self.lineno, raw in enumerate(lines, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("*"):
                continue
            if not line[0].isspace():
                # a section header
                words = line.split()
                head = words[0].upper()
                if head not in _SECTIONS:
                    self.error(f"unknown section {words[0]!r}")
                if head in seen:
                    self.error(f"section {head} appears twice")
                if ended:
                    self.error(f"section {head} after ENDATA")
                seen.add(head)
                section = head
                if head == "NAME":
                    self.name = line[4:].strip() if len(words) > 1 else ""
                elif head == "OBJSENSE" and len(words) > 1:
                    self.set_sense(words[1])
                    section = None
                elif head == "ENDATA":
                    ended = True
                    section = None
                elif head in ("COLUMNS", "RHS", "RANGES", "BOUNDS") and "ROWS" not in seen:
                    self.error(f"section {head} before ROWS")
                continue
            if section is None:
                self.error("data line outside a section")
            if section == "NAME":
                self.error("data line in the NAME section")
            if section == "OBJSENSE":
                self.set_sense(line.strip())
                continue
            self.parse(line, handlers[section])
        if not ended:
            self.lineno = len(lines)
            self.error("missing ENDATA")
        if self.obj_row is None:
            self.lineno = 0
            raise MPSError(f"{self.path}: no objective (N) row in ROWS")
        return self.build()

    def set_sense(self, word):
        w = word.strip().upper()
        if w in ("MAX", "MAXIMIZE"):
            self.sense = -1
        elif w in ("MIN", "MINIMIZE"):
            self.sense = 1
        else:
            self.error(f"unknown objective sense {word.strip()!r} (expected MIN or MAX)")

    def build(self):
        m, n = len(self.row_names), len(self.col_names)
        A = sp.csr_matrix((np.asarray(self.entries_v, float),
                           (np.asarray(self.entries_r, np.int64),
                            np.asarray(self.entries_c, np.int64))), shape=(m, n))
        A.eliminate_zeros()
        c = np.zeros(n)
        for j, v in self.obj.items():
            c[j] = v
        rlo, rup = np.empty(m), np.empty(m)
        for i, (name, kind) in enumerate(zip(self.row_names, self.row_types)):
            b = self.rhs.get(name, 0.0)
            R = self.ranges.get(name)
            if kind == "E":
                lo = up = b
                if R is not None:
                    lo, up = (b, b + R) if R >= 0 else (b + R, b)
            elif kind == "L":
                lo, up = -math.inf, b
                if R is not None:
                    lo = b - abs(R)
            else:
                lo, up = b, math.inf
                if R is not None:
                    up = b + abs(R)
            rlo[i], rup[i] = lo, up
        lower, upper = np.zeros(n), np.full(n, math.inf)
        for j, v in self.lower.items():
            lower[j] = v
        for j, v in self.upper.items():
            upper[j] = v
        integrality = np.zeros(n, dtype=bool)
        for col in self.integer_cols:
            integrality[self.col_index[col]] = True
        return MPSModel(name=self.name, sense=self.sense, c=c, offset=float(self.offset), A=A,
                        row_lower=rlo, row_upper=rup, col_lower=lower, col_upper=upper,
                        integrality=integrality, row_names=list(self.row_names),
                        col_names=list(self.col_names), path=self.path)


def read_mps(path, format="auto"):
    """Read an MPS file (plain or gzip) into an :class:`MPSModel`.

    Parameters
    ----------
    path : str or os.PathLike
        The file; gzip compression is detected from its first bytes.
    format : {"auto", "free", "fixed"}, default "auto"
        How data lines are split: on whitespace (``"free"``), by the fixed
        columns (``"fixed"``), or on whitespace with a fixed-column retry for
        lines that do not parse (``"auto"``).

    Returns
    -------
    MPSModel

    Raises
    ------
    MPSError
        On unknown sections, duplicate names or entries, malformed lines,
        references to undeclared rows or columns; the message names the file
        and the line.
    """
    if format not in ("auto", "free", "fixed"):
        raise ValueError(f"`format` must be 'auto', 'free' or 'fixed', got {format!r}.")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a file path, got {type(path).__name__}.")
    return _Reader(os.fspath(path), format).read()
