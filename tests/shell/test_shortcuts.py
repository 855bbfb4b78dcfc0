"""No key of the main window does two things: with every page built, no two shortcuts
that Qt could match at the same moment share a key sequence.

A shortcut is live where its scope is: a menu action or an application/window-wide one
everywhere in the window; a page's window-wide action while that page's tab is shown (Qt
skips actions of hidden widgets); a widget shortcut while the focus is inside its widget.
Two shortcuts clash when one's scope holds the other's (Qt then fires neither and
reports an ambiguous shortcut): the same key on two pages is fine, a page's key that a
menu also uses is not.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from app.registry import PAGES

_WINDOW_WIDE = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)


def _page_of(widget: QWidget, pages: set[QWidget]) -> QWidget | None:
    while widget is not None and widget not in pages:
        widget = widget.parentWidget()
    return widget


def _scope(widget, context, window, pages: set[QWidget]) -> QWidget:
    """The widget inside which a shortcut of ``widget`` with ``context`` is live."""
    if isinstance(widget, QMenu) or context == Qt.ShortcutContext.ApplicationShortcut:
        return window
    if context == Qt.ShortcutContext.WindowShortcut:
        return _page_of(widget, pages) or window
    return widget


def _bindings(window) -> list[tuple[str, str, list[QWidget]]]:
    """(key sequence, what it does, scopes) of every shortcut in the window; an action
    shown in several places (a page and its tool bar) is one binding with several scopes."""
    pages = set(window.page_widgets())
    found = []
    for action in window.findChildren(QAction):
        widgets = [o for o in action.associatedObjects() if isinstance(o, QWidget)]
        scopes = {
            id(s): s for w in widgets for s in [_scope(w, action.shortcutContext(), window, pages)]
        }
        name = action.text() or action.objectName() or repr(action)
        for sequence in action.shortcuts():
            if not sequence.isEmpty() and scopes:
                found.append((sequence.toString(), f"action {name!r}", list(scopes.values())))
    for shortcut in window.findChildren(QShortcut):
        scope = _scope(shortcut.parent(), shortcut.context(), window, pages)
        for sequence in shortcut.keys():
            found.append((sequence.toString(), f"shortcut of {scope.objectName()!r}", [scope]))
    return found


def _overlap(scopes: list[QWidget], others: list[QWidget]) -> bool:
    """Whether some scope of one holds (or is) some scope of the other."""
    return any(a is b or a.isAncestorOf(b) or b.isAncestorOf(a) for a in scopes for b in others)


def test_no_two_live_shortcuts_share_a_key(main_window):
    for entry in PAGES:
        main_window.page(entry.key)
    bindings = _bindings(main_window)
    by_key = defaultdict(list)
    for key, what, scopes in bindings:
        by_key[key].append((what, scopes))
    # The window's own keys are there, and each page's: the test sees what a user presses.
    assert {"Ctrl+O", "Ctrl+S", "Ctrl+I", "Ctrl+Q", "Ctrl+M"} <= set(by_key)
    pages = {id(p) for p in main_window.page_widgets()}
    assert len({id(s) for _, _, scopes in bindings for s in scopes} & pages) >= 5
    clashes = [
        f"{key}: {what} and {other}"
        for key, uses in by_key.items()
        for i, (what, scopes) in enumerate(uses)
        for other, other_scopes in uses[i + 1 :]
        if _overlap(scopes, other_scopes)
    ]
    assert not clashes, "shortcuts that clash:\n" + "\n".join(sorted(clashes))


def test_ctrl_m_on_the_paths_page_asks_for_mnist_files_and_ctrl_o_is_open(
    main_window, qtbot, monkeypatch
):
    networks = main_window.page("networks")  # built, its tab hidden: its Ctrl+M sleeps
    paths = main_window.show_page("paths")
    asked = []
    monkeypatch.setattr(
        "app.paths.controls.QFileDialog.getOpenFileName",
        lambda parent, title, *a, **k: asked.append(title) or ("", ""),
    )
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main_window)
    qtbot.keyClick(paths, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 1 and "MNIST" in asked[0]
    assert networks.controller.mnist is None and not networks.controller.is_training
    open_action = main_window.sessions.open_action
    assert open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    paths_keys = {a.shortcut().toString() for a in paths.actions()}
    assert open_action.shortcut().toString() not in paths_keys
