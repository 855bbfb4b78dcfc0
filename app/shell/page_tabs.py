"""The window's tabs, with each page built the first time it is needed.

A tab starts as a :class:`PagePlaceholder` ("Loading the Cells page…"): the window can
show before any page's code (torch, VTK, numba, the page's widgets) is imported. A page is
built when it is asked for (:meth:`PageTabs.page`: its tab is shown, a session or preset
restores it, an export reads it) and swapped into its tab in place, so the tab widget's
``currentWidget()`` is the page itself from then on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QTabWidget, QVBoxLayout, QWidget

from app.page_spec import PageEntry
from app.registry import PAGES, page_entry


class PagePlaceholder(QWidget):
    """What a tab shows until its page is built: its name and a busy bar."""

    def __init__(self, entry: PageEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{entry.key}Placeholder")
        self.key = entry.key
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.label = QLabel(f"Loading the {entry.title} page…", self)
        self.label.setObjectName("pageLoadingLabel")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setToolTip("The page's code is imported the first time it is shown")
        layout.addWidget(self.label)
        busy = QProgressBar(self)
        busy.setRange(0, 0)  # no known length: a busy bar
        busy.setMaximumWidth(320)
        busy.setTextVisible(False)
        layout.addWidget(busy, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def show_failure(self, message: str) -> None:
        """The page could not be built: say why instead of loading forever."""
        self.label.setText(message)
        for bar in self.findChildren(QProgressBar):
            bar.hide()


class PageTabs(QObject):
    """One tab per page of :data:`app.registry.PAGES` in ``tabs``, built on first need.

    Signals
    -------
    page_built(str, object) : the page named ``key`` was built (and is in its tab).
    """

    page_built = Signal(str, object)

    def __init__(self, tabs: QTabWidget) -> None:
        super().__init__(tabs)
        self.tabs = tabs
        self._pages: dict[str, QWidget] = {}
        for entry in PAGES:
            placeholder = PagePlaceholder(entry)
            tabs.addTab(placeholder, entry.title)
            tabs.setTabToolTip(tabs.count() - 1, f"The {entry.title} page")

    def is_built(self, key: str) -> bool:
        return key in self._pages

    def built(self) -> dict[str, QWidget]:
        """The pages built so far, by key, in tab order."""
        return {e.key: self._pages[e.key] for e in PAGES if e.key in self._pages}

    def key_at(self, index: int) -> str:
        return PAGES[index].key

    def page(self, key: str) -> QWidget:
        """The page named ``key``, built now if it was not (this imports its code: up to
        seconds the first time, on this thread). Raises ValueError for an unknown key."""
        entry = page_entry(key)
        if key not in self._pages:
            page = entry.spec().factory()
            self._pages[key] = page
            self._swap_in(PAGES.index(entry), page, entry.title)
            self.page_built.emit(key, page)
        return self._pages[key]

    def _swap_in(self, index: int, page: QWidget, title: str) -> None:
        """Put ``page`` in the tab at ``index`` in place of its placeholder, keeping the
        current tab; the tab widget's signals are held, the swap is not a tab change."""
        tabs = self.tabs
        current = tabs.currentIndex()
        placeholder = tabs.widget(index)
        tip = tabs.tabToolTip(index)
        blocked = tabs.blockSignals(True)
        try:
            tabs.removeTab(index)
            tabs.insertTab(index, page, title)
            tabs.setTabToolTip(index, tip)
            tabs.setCurrentIndex(current)
        finally:
            tabs.blockSignals(blocked)
        placeholder.deleteLater()

    def placeholder(self, key: str) -> PagePlaceholder | None:
        """The placeholder still in ``key``'s tab, or None once the page is built."""
        widget = self.tabs.widget(PAGES.index(page_entry(key)))
        return widget if isinstance(widget, PagePlaceholder) else None

    def as_mapping(self) -> PagesByKey:
        """The pages as a mapping for sessions: built pages listed, any page readable."""
        return PagesByKey(self)


class PagesByKey(Mapping):
    """The window's pages by key, for code that saves and restores them.

    Iterating (and ``in``) lists the pages built so far: a page never built shows its
    defaults, and saving it would build it for nothing. Reading ``pages[key]`` builds the
    page, so restoring a session or a preset onto an unbuilt page builds it first.
    """

    def __init__(self, tabs: PageTabs) -> None:
        self._tabs = tabs

    def __getitem__(self, key: str) -> QWidget:
        try:
            return self._tabs.page(key)
        except ValueError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._tabs.is_built(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tabs.built())

    def __len__(self) -> int:
        return len(self._tabs.built())
