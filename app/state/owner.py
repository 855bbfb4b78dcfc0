"""What every page controller shares: it owns one frozen state and changes it whole."""

from __future__ import annotations

from dataclasses import replace
from typing import Generic, TypeVar

S = TypeVar("S")


class StateOwner(Generic[S]):
    """Mix into a page controller (before ``QObject``) that keeps its state in
    ``self._state`` and defines ``set_state(state)``: apply what differs, then emit its own
    ``state_changed`` signal."""

    _state: S

    @property
    def state(self) -> S:
        """The page's settings."""
        return self._state

    def update(self, **changes: object) -> None:
        """Change some settings; raises ValueError, changing nothing, for a bad value."""
        self.set_state(replace(self._state, **changes))
