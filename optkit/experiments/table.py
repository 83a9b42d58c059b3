"""Plain-text tables of results, for the terminal and for notes."""

from __future__ import annotations

__all__ = ["format_table"]

_COLUMNS = (("method", "{}"), ("status", "{}"), ("nit", "{}"), ("nfev", "{}"),
            ("njev", "{}"), ("nhev", "{}"), ("time [s]", "{:.3f}"), ("f(x)", "{:.12g}"),
            ("certificate", "{:.2e}"))


def format_table(results) -> str:
    """One row per run: method, status, iterations, oracle calls, time, f, certificate.

    Parameters
    ----------
    results : dict or sequence of OptimizeResult
    """
    items = results.items() if isinstance(results, dict) else ((r.method, r) for r in results)
    rows = []
    for label, r in items:
        values = (label, r.status, r.nit, r.nfev, r.njev, r.nhev, r.time, r.fun, r.certificate)
        rows.append([fmt.format(v) for (_, fmt), v in zip(_COLUMNS, values)])
    header = [name for name, _ in _COLUMNS]
    widths = [max(len(h), *(len(row[j]) for row in rows)) if rows else len(h)
              for j, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) if j == 0 else h.rjust(w) for j, (h, w) in enumerate(zip(header, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                               for j, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)
