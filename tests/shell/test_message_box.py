"""The warning box every page shows: one at a time, never a nested event loop."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from widgets.common.message_box import show_warning


def test_a_repeated_warning_updates_the_open_box_and_a_closed_one_opens_anew(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    qtbot.waitExposed(parent)

    first = show_warning(parent, "the partition failed", "pageErrorBox")
    qtbot.waitUntil(first.isVisible, timeout=5000)  # open() returned: no nested loop
    again = show_warning(parent, "the partition failed again", "pageErrorBox")
    assert again is first and first.text() == "the partition failed again"
    assert len(parent.findChildren(QMessageBox, "pageErrorBox")) == 1
    assert first.icon() == QMessageBox.Icon.Warning

    first.close()
    qtbot.waitUntil(lambda: not parent.findChildren(QMessageBox), timeout=5000)  # deleted
    fresh = show_warning(parent, "a third failure", "pageErrorBox")
    assert fresh.text() == "a third failure"
    qtbot.waitUntil(fresh.isVisible, timeout=5000)
    fresh.close()
