"""No label, button or table header is cut, in both themes, at the default window size
and at 1280x720 (a projector's resolution), on every page."""

from __future__ import annotations

import pytest

from app.registry import PAGES
from app.shell.theme import apply_theme
from tests.shell.clipped_text import clipped_texts

WINDOW_SIZES = [(1400, 900), (1280, 720)]


@pytest.fixture
def talk_then_default():
    yield
    apply_theme("default")


@pytest.mark.timeout(600)
def test_no_text_is_cut_on_any_page_in_either_theme(main_window, qtbot, talk_then_default):
    problems = []
    for theme in ("default", "talk"):
        apply_theme(theme)
        for size in WINDOW_SIZES:
            main_window.resize(*size)
            for spec in PAGES:
                main_window.show_page(spec.key)
                page = main_window.page(spec.key)
                qtbot.waitUntil(page.isVisible)
                qtbot.wait(150)  # layouts settle after the resize and the theme's fonts
                problems += [
                    f"{theme} {size[0]}x{size[1]} {spec.key}: {p}" for p in clipped_texts(page)
                ]
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_cut_label(qtbot):
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    root = QWidget()
    qtbot.addWidget(root)
    label = QLabel("a label far too long for the forty pixels it is given", root)
    label.setFixedWidth(40)
    QVBoxLayout(root).addWidget(label)
    root.show()
    qtbot.waitExposed(root)
    (problem,) = clipped_texts(root)
    assert "far too long" in problem
    label.setFixedWidth(600)
    assert clipped_texts(root) == []
