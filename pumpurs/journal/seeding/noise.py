"""Counter-based random numbers as polars expressions: one value per (seed, stream, keys).

numpy is not a dependency, and a per-row Python ``random`` loop is far too slow for a country's
semester of attendance, so every draw is a pure function of its keys: SplitMix64's finaliser
applied to the seed, a stream number and the row's keys (pupil, day, subject …). Equal seeds give
equal numbers on every machine and in any chunking or row order — which is what makes the
synthetic facts deterministic. Not for secrets.
"""

from __future__ import annotations

import math

import polars as pl

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
M1 = 0xBF58476D1CE4E5B9
M2 = 0x94D049BB133111EB
TWO_53 = float(1 << 53)


def mix_int(x: int) -> int:
    """SplitMix64's finaliser on a Python int (for scalars: seeds and streams)."""
    x &= MASK
    x = ((x ^ (x >> 30)) * M1) & MASK
    x = ((x ^ (x >> 27)) * M2) & MASK
    return x ^ (x >> 31)


def _mix(x: pl.Series) -> pl.Series:
    # Unsigned integer arithmetic in polars wraps modulo 2**64; ``// 2**k`` is ``>> k``. This works
    # on materialised series: as one expression, every use of ``x`` would copy the whole tree
    # beneath it, doubling it at each step.
    x = (x ^ (x // (1 << 30))) * M1
    x = (x ^ (x // (1 << 27))) * M2
    return x ^ (x // (1 << 31))


def _hash_columns(columns: pl.Series, start: int) -> pl.Series:
    h = pl.Series("h", [start], dtype=pl.UInt64).new_from_index(0, len(columns))
    for name in columns.struct.fields:
        key = columns.struct.field(name).cast(pl.UInt64)
        h = _mix(h ^ (key * GOLDEN))
    return h


def bits(seed: int, stream: int, *keys: pl.Expr) -> pl.Expr:
    """64 random bits for each row, a function of ``seed``, ``stream`` and the row's ``keys``."""
    start = mix_int(mix_int(seed * GOLDEN + 1) + stream * GOLDEN)
    named = [key.alias(f"k{i}") for i, key in enumerate(keys)]
    return pl.struct(named).map_batches(
        lambda columns: _hash_columns(columns, start), return_dtype=pl.UInt64, is_elementwise=True
    )


def uniform(seed: int, stream: int, *keys: pl.Expr) -> pl.Expr:
    """Uniform on [0, 1)."""
    return (bits(seed, stream, *keys) // (1 << 11)).cast(pl.Float64) / TWO_53


def normal(seed: int, stream: int, *keys: pl.Expr) -> pl.Expr:
    """Standard normal (Box–Muller over streams ``stream`` and ``stream + 1``)."""
    u1 = 1.0 - uniform(seed, stream, *keys)  # (0, 1]: the logarithm stays finite
    u2 = uniform(seed, stream + 1, *keys)
    return (-2.0 * u1.log()).sqrt() * (2.0 * math.pi * u2).cos()


def choice_index(u: pl.Expr, weights: list[float]) -> pl.Expr:
    """The index drawn by uniform ``u`` from a discrete distribution with ``weights``."""
    total = sum(weights)
    edges, acc = [], 0.0
    for w in weights[:-1]:
        acc += w / total
        edges.append(acc)
    index: pl.Expr = pl.lit(len(weights) - 1, dtype=pl.Int32)
    for i in range(len(edges) - 1, -1, -1):
        index = pl.when(u < edges[i]).then(pl.lit(i, dtype=pl.Int32)).otherwise(index)
    return index
