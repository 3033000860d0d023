"""Score histograms: which of ``bins`` equal bins a score falls in, one rule for everyone.

The dashboard (``store.queries``), the thread report, ``civility report`` and the charts all
bin scores on ``[0, 1]``; they must agree on the edges, so they share these two functions.
Ends are clamped (a score of exactly 1.0 lands in the last bin) and NaN, which carries no
information about where a score lies, lands in none.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["bin_counts", "bin_index"]


def bin_index(value: float, bins: int = 10, domain: tuple[float, float] = (0.0, 1.0)) -> int | None:
    """The bin of ``value`` among ``bins`` equal bins over ``domain``; None for NaN."""
    if value != value:
        return None
    lo, hi = domain
    span = (hi - lo) or 1.0
    return min(max(int((value - lo) / span * bins), 0), bins - 1)


def bin_counts(
    values: Iterable[float], bins: int = 10, domain: tuple[float, float] = (0.0, 1.0)
) -> list[int]:
    """Counts of ``values`` in ``bins`` equal bins over ``domain`` (ends clamped, so 1.0 counts)."""
    counts = [0] * bins
    for v in values:
        i = bin_index(v, bins, domain)
        if i is not None:
            counts[i] += 1
    return counts
