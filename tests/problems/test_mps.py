"""The MPS reader against HiGHS's reader (highspy) on every shared Netlib
instance and on small hand-written files covering every section and bound type
(exact equality of c, A, row and column bounds, objective offset); the
conventions against their definitions; errors naming file and line."""

from __future__ import annotations

import gzip
import math
import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.problems.lp import LPProblem
from optkit.problems.mps import MPSError, read_mps

NETLIB = os.environ.get("OPTKIT_NETLIB_DIR")
NETLIB_FILES = sorted(Path(NETLIB).glob("*.mps*")) if NETLIB and Path(NETLIB).is_dir() else []


def _highs_model(path):
    highspy = pytest.importorskip("highspy", reason="highspy is not installed")
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    status = h.readModel(str(path))
    assert status != highspy.HighsStatus.kError, f"HiGHS could not read {path}"
    lp = h.getLp()
    a = lp.a_matrix_
    shape = (lp.num_row_, lp.num_col_)
    build = sp.csc_matrix if a.format_ == highspy.MatrixFormat.kColwise else sp.csr_matrix
    A = build((np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_)), shape=shape)
    sense = -1 if lp.sense_ == highspy.ObjSense.kMaximize else 1
    return dict(c=np.asarray(lp.col_cost_), A=A.tocsr(), rl=np.asarray(lp.row_lower_),
                ru=np.asarray(lp.row_upper_), lo=np.asarray(lp.col_lower_),
                up=np.asarray(lp.col_upper_), offset=lp.offset_, sense=sense)


def _assert_same_as_highs(path):
    ours = read_mps(path)
    ref = _highs_model(path)
    assert ours.A.shape == ref["A"].shape
    diff = abs(ours.A - ref["A"])
    assert diff.nnz == 0 or diff.max() == 0.0
    assert ours.A.nnz == ref["A"].nnz
    np.testing.assert_array_equal(ours.c, ref["c"])
    np.testing.assert_array_equal(ours.row_lower, ref["rl"])
    np.testing.assert_array_equal(ours.row_upper, ref["ru"])
    np.testing.assert_array_equal(ours.col_lower, ref["lo"])
    np.testing.assert_array_equal(ours.col_upper, ref["up"])
    assert ours.offset == ref["offset"]
    assert ours.sense == ref["sense"]
    return ours


@pytest.mark.skipif(not NETLIB_FILES, reason="OPTKIT_NETLIB_DIR is not set or holds no MPS file")
@pytest.mark.parametrize("path", NETLIB_FILES, ids=lambda p: p.name.split(".")[0])
def test_round_trip_against_highs_on_netlib(path):
    model = _assert_same_as_highs(path)
    manifest = Path(NETLIB) / "MANIFEST.tsv"
    if manifest.exists():
        rows = {line.split("\t")[0]: line.split("\t") for line in manifest.read_text().splitlines()}
        if path.name in rows:
            _, _, m, n, nnz, *_ = rows[path.name]
            assert model.A.shape == (int(m), int(n)) and model.A.nnz == int(nnz)


# A small model with every section: ranges on E (both signs), L and G rows, a
# free N row, an objective RHS (offset), every bound type, an integer block.
SMALL = """\
* a comment line
NAME          SMALL
OBJSENSE
    MAX
ROWS
 N  obj
 E  e1
 E  e2
 L  l1
 G  g1
 N  free
 G  g2
COLUMNS
    x1        obj       1.0          e1        2.0
    x1        l1        1.0
    x2        obj       -2.5         g1        1.0
    x2        free      3.0
    MARKER    'MARKER'  'INTORG'
    x3        e2        1.0          g2        -1.0
    MARKER    'MARKER'  'INTEND'
    x4        l1        4.0          obj       0.5
    x5        g1        1.0          e1        1.0
    x6        g2        1.0
    x7        e2        2.0
    x8        l1        1.0
    x9        g2        1.5
RHS
    rhs       obj       -7.0         e1        3.0
    rhs       e2        1.0          l1        10.0
    rhs       g1        -1.0         g2        2.0
RANGES
    rng       e1        2.0          e2        -1.5
    rng       l1        4.0          g1        -3.0
BOUNDS
 UP bnd       x1        4.0
 LO bnd       x2        -1.0
 FX bnd       x3        2.0
 FR bnd       x4
 MI bnd       x5
 UP bnd       x5        5.0
 PL bnd       x6
 BV bnd       x7
 LI bnd       x8        -2
 UI bnd       x8        6
 UP bnd       x9        -3.0
ENDATA
"""


def _write(tmp_path, text, name="m.mps", compress=False):
    path = tmp_path / (name + (".gz" if compress else ""))
    if compress:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def test_small_model_sections_and_conventions(tmp_path):
    m = read_mps(_write(tmp_path, SMALL))
    assert m.name == "SMALL" and m.sense == -1
    assert m.row_names == ["e1", "e2", "l1", "g1", "g2"]          # N rows dropped
    assert m.col_names == [f"x{j}" for j in range(1, 10)]
    np.testing.assert_array_equal(m.c, [1.0, -2.5, 0, 0.5, 0, 0, 0, 0, 0])
    assert m.offset == 7.0                                          # minus the objective RHS
    A = np.zeros((5, 9))
    A[0, 0], A[2, 0], A[3, 1], A[1, 2], A[4, 2] = 2, 1, 1, 1, -1
    A[2, 3], A[3, 4], A[0, 4], A[4, 5], A[1, 6], A[2, 7], A[4, 8] = 4, 1, 1, 1, 2, 1, 1.5
    np.testing.assert_array_equal(m.A.toarray(), A)
    # E with R > 0: [b, b+R]; E with R < 0: [b+R, b]; L: [b-|R|, b]; G: [b, b+|R|]
    np.testing.assert_array_equal(m.row_lower, [3.0, -0.5, 6.0, -1.0, 2.0])
    np.testing.assert_array_equal(m.row_upper, [5.0, 1.0, 10.0, 2.0, np.inf])
    inf = np.inf
    # UP -3 on x9 keeps the default lower bound 0 (HiGHS's reading)
    np.testing.assert_array_equal(m.col_lower, [0, -1, 2, -inf, -inf, 0, 0, -2, 0])
    np.testing.assert_array_equal(m.col_upper, [4, inf, 2, inf, 5, inf, 1, 6, -3])
    np.testing.assert_array_equal(m.integrality, [0, 0, 1, 0, 0, 0, 1, 1, 0])


def test_small_model_equals_highs_plain_gzip_and_free(tmp_path):
    plain = _assert_same_as_highs(_write(tmp_path, SMALL))
    gz = read_mps(_write(tmp_path, SMALL, compress=True))
    np.testing.assert_array_equal(gz.A.toarray(), plain.A.toarray())
    # free MPS: single spaces, OBJSENSE on one line, no set names
    free = "\n".join(" ".join(line.split()) if not line.startswith((" ", "\t"))
                     else " " + " ".join(line.split()) for line in SMALL.splitlines())
    free = free.replace("OBJSENSE\n MAX", "OBJSENSE MAX")
    free = free.replace(" rhs ", " ").replace(" rng ", " ").replace(" bnd ", " ")
    f = read_mps(_write(tmp_path, free, "free.mps"), format="free")
    for field in ("c", "row_lower", "row_upper", "col_lower", "col_upper"):
        np.testing.assert_array_equal(getattr(f, field), getattr(plain, field))
    assert f.sense == -1 and f.offset == plain.offset


def _fixed(kind="", name1="", name2="", value1="", name3="", value2=""):
    """One fixed-MPS data line: fields in columns 2-3, 5-12, 15-22, 25-36, 40-47, 50-61."""
    return (f" {kind:<2} {name1:<8}  {name2:<8}  {value1:>12}   {name3:<8}  {value2:>12}").rstrip()


def test_fixed_format_names_with_spaces(tmp_path):
    text = "\n".join([
        "NAME          SPACES", "ROWS", " N  COST", " L  ROW 1", " G  ROW 2", "COLUMNS",
        _fixed("", "X 1", "COST", "1.", "ROW 1", "1."),
        _fixed("", "X 1", "ROW 2", "1."),
        _fixed("", "X 2", "COST", "2.", "ROW 1", "1."),
        "RHS", _fixed("", "RHS 1", "ROW 1", "4.", "ROW 2", "1."),
        "BOUNDS", _fixed("UP", "BND 1", "X 2", "3."), "ENDATA", ""])
    assert _fixed("", "X 1", "COST", "1.", "ROW 1", "1.")[39:44] == "ROW 1"
    for fmt in ("auto", "fixed"):
        m = read_mps(_write(tmp_path, text, f"sp_{fmt}.mps"), format=fmt)
        assert m.row_names == ["ROW 1", "ROW 2"] and m.col_names == ["X 1", "X 2"]
        np.testing.assert_array_equal(m.A.toarray(), [[1, 1], [1, 0]])
        np.testing.assert_array_equal(m.row_upper, [4, np.inf])
        np.testing.assert_array_equal(m.row_lower, [-np.inf, 1])
        np.testing.assert_array_equal(m.col_upper, [np.inf, 3])


def test_lpproblem_from_mps_maximization(tmp_path):
    text = SMALL.replace(" UP bnd       x9        -3.0", " MI bnd       x9\n UP bnd       x9        -3.0")
    p = LPProblem.from_mps(_write(tmp_path, text))
    assert p.sense == -1
    np.testing.assert_array_equal(p.c, -read_mps(_write(tmp_path, SMALL)).c)
    assert p.offset == -7.0
    assert p.lower[8] == -np.inf and p.upper[8] == -3.0
    with pytest.raises(ValueError, match=r"m\.mps: .*variable bounds.*index 8 \(0\.0 > -3\.0\)"):
        LPProblem.from_mps(_write(tmp_path, SMALL))


def _error(tmp_path, text, match, **kw):
    path = _write(tmp_path, text, "bad.mps")
    with pytest.raises(MPSError, match=match) as info:
        read_mps(path, **kw)
    assert str(path) in str(info.value)
    return str(info.value)


HEAD = "NAME T\nROWS\n N obj\n L r1\nCOLUMNS\n"


@pytest.mark.parametrize("text, match", [
    (HEAD + "    x r1 1\nFOO\nENDATA\n", r"line 7: unknown section 'FOO'"),
    ("NAME T\nROWS\n N obj\n L r1\n L r1\nCOLUMNS\nENDATA\n", r"line 5: duplicate row name 'r1'"),
    (HEAD + "    x r1 1\n    y r1 1\n    x obj 1\nENDATA\n", r"line 8: duplicate column name 'x'"),
    (HEAD + "    x r1 1\n    x r1 2\nENDATA\n", r"line 7: duplicate entry"),
    (HEAD + "    x r1 1 obj\nENDATA\n", r"line 6: a COLUMNS line"),
    (HEAD + "    x r1 abc\nENDATA\n", r"line 6: coefficient .* 'abc' is not a number"),
    (HEAD + "    x r9 1\nENDATA\n", r"line 6: .*row 'r9', which ROWS does not declare"),
    (HEAD + "    x r1 1\nRHS\n    rhs r7 1\nENDATA\n", r"line 8: RHS refers to row 'r7'"),
    (HEAD + "    x r1 1\nBOUNDS\n UP bnd y 1\nENDATA\n", r"line 8: BOUNDS refers to column 'y'"),
    (HEAD + "    x r1 1\nBOUNDS\n XX bnd x 1\nENDATA\n", r"line 8: unknown bound type 'XX'"),
    (HEAD + "    x r1 1\nBOUNDS\n SC bnd x 1\nENDATA\n", r"line 8: semicontinuous"),
    (HEAD + "    x r1 1\n", r"line 6: missing ENDATA"),
    ("NAME T\nROWS\n Q r1\nENDATA\n", r"line 3: unknown row type 'Q'"),
    ("NAME T\nROWS\n L r1\nCOLUMNS\n    x r1 1\nENDATA\n", r"no objective"),
    (HEAD + "    x r1 1\nRHS\n    a r1 1\n    b r1 2\nENDATA\n", r"line 9: RHS set 'b' differs"),
    ("NAME T\nOBJSENSE\n    SIDEWAYS\nENDATA\n", r"line 3: unknown objective sense"),
    (HEAD + "    x r1 1\nCOLUMNS\nENDATA\n", r"line 7: section COLUMNS appears twice"),
])
def test_errors_name_file_and_line(tmp_path, text, match):
    _error(tmp_path, text, match, format="free")


def test_missing_file_and_bad_arguments(tmp_path):
    with pytest.raises(MPSError, match="cannot open"):
        read_mps(tmp_path / "nope.mps")
    with pytest.raises(ValueError, match="format"):
        read_mps(tmp_path / "nope.mps", format="loose")
    with pytest.raises(TypeError, match="path"):
        read_mps(3)


def test_infeasible_bounds_in_file_are_refused(tmp_path):
    text = HEAD + "    x r1 1\nRHS\n    rhs r1 1\nBOUNDS\n LO bnd x 3\n UP bnd x 2\nENDATA\n"
    path = _write(tmp_path, text, "lu.mps")
    with pytest.raises(ValueError, match=r"lu\.mps.*variable bounds.*index 0 \(3\.0 > 2\.0\)"):
        LPProblem.from_mps(path)
    m = read_mps(path)                      # the reader itself keeps what the file says
    assert m.col_lower[0] == 3 and m.col_upper[0] == 2
    assert math.isinf(m.row_lower[0])
