"""The dashboard in a real headless Chromium (Debian's chromium, driven by Playwright; no browser download).

Screenshots are saved as test artifacts in ``<pytest basetemp>/dashboard/`` (``$AFFECTLAB_ARTIFACTS`` if set).
Without chromium the tests skip with the reason, unless ``AFFECTLAB_REQUIRE_DATA=1`` (CI) makes them fail.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from conftest import running

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CHROMIUM = os.environ.get("AFFECTLAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("AFFECTLAB_REQUIRE_DATA") == "1"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None or __import__("importlib").util.find_spec("playwright") is None:
        reason = "no chromium on PATH (apt-get install chromium)" if CHROMIUM is None else "playwright not installed"
        if REQUIRED:
            pytest.fail(f"AFFECTLAB_REQUIRE_DATA=1 makes the browser tests mandatory, but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("AFFECTLAB_ARTIFACTS") or tmp_path_factory.getbasetemp()) / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, base_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base_url + "/")
    page.wait_for_selector("#text-taxonomy option[value=ekman]", state="attached")
    yield page
    context.close()
    assert not errors, errors


def test_paste_text_and_see_the_bars(page, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    page.fill("#text-input", "I love this great day, thanks so much!")
    page.click("#text-form button[type=submit]")
    page.wait_for_selector("#text-result .card svg")
    assert page.locator("#text-result .card").first.locator("svg rect.bar").count() == 7  # ekman's labels
    assert page.locator("#text-result svg[aria-label='Valence, arousal and dominance'] rect").count() == 3
    assert "score" in page.inner_text("#text-result")
    page.screenshot(path=str(artifacts / "text.png"), full_page=True)


def test_upload_the_example_csv_see_table_and_charts_and_download(page, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    source = EXAMPLES / "reviews.csv"
    n_rows = len(pd.read_csv(source))
    page.click("#tab-table")
    page.set_input_files("#table-file", str(source))
    page.fill("#table-text-column", "body")
    page.click("#table-form button[type=submit]")
    page.wait_for_selector("#table-result:not([hidden])")
    assert page.inner_text("#table-count") == f"{n_rows} rows scored"
    assert page.locator("#table-rows tbody tr").count() == n_rows
    assert page.locator("#table-emotions svg rect.bar").count() >= 1
    assert page.locator("#table-valence svg rect.bar").count() == 20
    page.click("#table-rows th >> text=valence")
    shown = [
        float(v) if v != "–" else None for v in page.locator("#table-rows tbody tr td:nth-child(5)").all_inner_texts()
    ]
    assert shown == sorted(shown)  # ascending by valence
    label = page.locator("#table-filter option").nth(1).get_attribute("value")
    page.select_option("#table-filter", label)
    assert 1 <= page.locator("#table-rows tbody tr").count() <= n_rows
    page.screenshot(path=str(artifacts / "table.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#download-jsonl")
    lines = Path(info.value.path()).read_text(encoding="utf-8").splitlines()
    assert info.value.suggested_filename == "reviews.scored.jsonl" and len(lines) == n_rows
    assert json.loads(lines[0])["input"]["id"] == "r01"
    with page.expect_download() as info:
        page.click("#download-csv")
    table = pd.read_csv(info.value.path())
    assert len(table) == n_rows and {"body", "top", "vad.valence"} <= set(table.columns)


def test_upload_a_long_text_and_read_a_peak(browser, tiny_settings, artifacts: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    moods = ["I love this wonderful day.", "What a great movie, so happy.", "Awful, terrible flight again.", "So sad."]
    story = tmp_path / "story.txt"
    story.write_text(" ".join(moods[(i // 6) % 4] for i in range(60)), encoding="utf-8")
    with running(replace(tiny_settings, models=("lexicon",))) as url:  # the tiny model's valence is flat
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(url + "/")
        page.click("#tab-document")
        page.set_input_files("#document-file", str(story))
        page.click("#document-form button[type=submit]")
        page.wait_for_selector("#document-result svg path.curve")
        marker = page.locator("#document-result circle.moment").first
        marker.focus()
        page.keyboard.press("Enter")  # keyboard works as well as a click
        passage = page.locator("#document-passage")
        assert passage.is_visible() and "segment #" in passage.inner_text()
        page.screenshot(path=str(artifacts / "arc.png"), full_page=True)
        page.close()


def test_upload_a_conversation_and_see_timeline_and_dynamics(page, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    page.click("#tab-conversation")
    page.set_input_files("#conversation-file", str(EXAMPLES / "conversations" / "support_chat.jsonl"))
    page.click("#conversation-form button[type=submit]")
    page.wait_for_selector("#conversation-result table")
    assert page.locator("#conversation-result svg circle").count() == 15  # one point per turn
    assert page.locator("#conversation-result tbody tr").count() == 2  # customer, agent
    page.screenshot(path=str(artifacts / "conversation.png"), full_page=True)


def test_tabs_work_from_the_keyboard_and_every_field_has_a_label(page) -> None:  # type: ignore[no-untyped-def]
    page.focus("#tab-text")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-table" and page.is_visible("#panel-table")
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input, select, textarea')]
             .filter(e => !e.labels.length && !e.closest('label') && !e.getAttribute('aria-label')).map(e => e.id)"""
    )
    assert unlabelled == []


def test_a_server_with_keys_asks_for_one(browser, tiny_settings) -> None:  # type: ignore[no-untyped-def]
    with running(replace(tiny_settings, api_keys=frozenset({"dash-key"}))) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "/")
        page.wait_for_selector("#key-box:not([hidden])")
        assert "API key" in page.inner_text("#error")
        page.fill("#api-key", "dash-key")
        page.dispatch_event("#api-key", "change")
        page.fill("#text-input", "i love this")
        page.click("#text-form button[type=submit]")
        page.wait_for_selector("#text-result .card svg")
        context.close()
