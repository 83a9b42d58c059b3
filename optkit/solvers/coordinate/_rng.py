"""Random draws whose generator state lives in the solver's State.

The driver rolls a failed step back by returning the previous State; a
generator kept on the solver would already have advanced, so the run after
a rollback (or a resumed run) would not draw what a run stopped earlier
draws. :class:`RandomStream` keeps one ``numpy.random.Generator`` as a
workspace and restores its bit-generator state from the State before each
draw, so the draws are exactly those of a generator advanced in place
(pinned iterates stay bitwise) while the state itself is data.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RandomStream"]


class RandomStream:
    """A ``default_rng(seed)`` whose state is carried by the caller.

    Parameters
    ----------
    seed : int or None
        Seed of ``numpy.random.default_rng``.

    Notes
    -----
    ``initial()`` is the state to put in the first State; ``integers`` /
    ``choice`` take a state and return ``(draws, new state)``. The state is a
    plain dict (the bit generator's ``state``), copied by the getter, so a
    State never shares it with a later one.
    """

    def __init__(self, seed):
        self._gen = np.random.default_rng(seed)

    def initial(self) -> dict:
        """The generator state before any draw."""
        return self._gen.bit_generator.state

    def _at(self, state):
        self._gen.bit_generator.state = state
        return self._gen

    def integers(self, state, low, high, size):
        """``Generator.integers(low, high, size)`` from ``state``; (draws, new state)."""
        gen = self._at(state)
        out = gen.integers(low, high, size=size)
        return out, gen.bit_generator.state

    def choice(self, state, a, size, **kwargs):
        """``Generator.choice(a, size, **kwargs)`` from ``state``; (draws, new state)."""
        gen = self._at(state)
        out = gen.choice(a, size=size, **kwargs)
        return out, gen.bit_generator.state
