"""Seeded streams, vectorised draws and byte-stable CSV writing for the synthetic data."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from snalib.inputs.contract import TABLES


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream for one named part of the generator.

    The stream is keyed by the seed and the *name* (not by the order streams are created),
    so adding a table or drawing more numbers in one table never changes another.
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(key,)))


def cumulative(probabilities: np.ndarray) -> np.ndarray:
    """Row-wise cumulative probabilities with the last column exactly 1."""
    p = np.asarray(probabilities, dtype=float)
    p = p / p.sum(axis=-1, keepdims=True)
    cdf = np.cumsum(p, axis=-1)
    cdf[..., -1] = 1.0
    return cdf


def draw_rows(rng: np.random.Generator, cdf_table: np.ndarray, which: np.ndarray) -> np.ndarray:
    """One categorical draw per row, from the distribution ``cdf_table[which[i]]``.

    Parameters
    ----------
    cdf_table
        ``(K, M)`` cumulative probabilities (see :func:`cumulative`).
    which
        ``(n,)`` row of ``cdf_table`` to use for each draw.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` category index in ``0..M-1``.
    """
    which = np.asarray(which, dtype=np.int64)
    u = rng.random(len(which))
    out = np.zeros(len(which), dtype=np.int64)
    # Loop over the (few) columns rather than materialising an n x M matrix.
    for m in range(cdf_table.shape[1] - 1):
        out += u >= cdf_table[which, m]
    return out


def draw(rng: np.random.Generator, probabilities, size: int) -> np.ndarray:
    """``size`` categorical draws from one distribution."""
    cdf = cumulative(np.asarray(probabilities, dtype=float))[None, :]
    return draw_rows(rng, cdf, np.zeros(size, dtype=np.int64))


def largest_remainder(expected: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Round each row of ``expected`` to whole numbers that sum exactly to ``totals``.

    Ties are broken by column order (stable), so the result is deterministic.
    """
    expected = np.asarray(expected, dtype=float)
    floor = np.floor(expected).astype(np.int64)
    short = np.asarray(totals, dtype=np.int64) - floor.sum(axis=-1)
    order = np.argsort(-(expected - floor), axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(expected.shape[-1])[None, :], axis=-1)
    return floor + (rank < short[..., None])


# --------------------------------------------------------------------------- formatting


def fmt_int(values: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Whole numbers as text; ``""`` where ``missing``."""
    text = np.asarray(values).astype(np.int64).astype(str)
    if missing is not None:
        text = np.where(missing, "", text)
    return text.astype(object)


def fmt_bool(values: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """``true`` / ``false``; ``""`` where ``missing``."""
    text = np.where(np.asarray(values, dtype=bool), "true", "false")
    if missing is not None:
        text = np.where(missing, "", text)
    return text.astype(object)


def fmt_sex(male: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """``M`` / ``F``; ``""`` where ``missing``."""
    text = np.where(np.asarray(male, dtype=bool), "M", "F")
    if missing is not None:
        text = np.where(missing, "", text)
    return text.astype(object)


def fmt_float(values, decimals: int, missing: np.ndarray | None = None) -> np.ndarray:
    """Fixed-decimal text (no locale, no exponent); ``""`` where ``missing``."""
    values = np.asarray(values, dtype=float)
    text = np.array([f"{v:.{decimals}f}" for v in values.tolist()], dtype=object)
    if missing is not None:
        text = np.where(missing, "", text)
    return text.astype(object)


def fmt_ids(prefix: str, numbers: np.ndarray, width: int, missing=None) -> np.ndarray:
    """Identifiers such as ``V0001234``; ``""`` where ``missing``."""
    digits = np.char.zfill(np.asarray(numbers).astype(np.int64).astype(str), width)
    text = np.char.add(prefix, digits)
    if missing is not None:
        text = np.where(missing, "", text)
    return text.astype(object)


def write_table(path: Path, table: str, columns: dict[str, np.ndarray]) -> Path:
    """Write one canonical table as UTF-8 CSV with ``\\n`` line ends.

    Every column of the contract table is written, in contract order; values must already
    be text, so the bytes do not depend on pandas' float or date formatting.
    """
    return write_table_chunks(path, table, [columns])


def write_table_chunks(path: Path, table: str, chunks: Iterable[dict[str, np.ndarray]]) -> Path:
    """:func:`write_table` for a table formatted chunk by chunk (to bound memory)."""
    names = TABLES[table].names
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        for k, columns in enumerate(chunks):
            if list(columns) != names:
                raise ValueError(f"{table}: columns {list(columns)} != contract {names}")
            frame = pd.DataFrame({name: pd.Series(columns[name], dtype=object) for name in names})
            frame.to_csv(handle, index=False, header=k == 0, lineterminator="\n")
            rows += len(frame)
    if rows == 0:
        raise ValueError(f"{table}: no rows to write")
    return path
