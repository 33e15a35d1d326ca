"""Regenerate the dashboard pictures of docs/service.md with the shipped model, in headless Chromium.

    python scripts/dashboard_pictures.py          # needs [server], playwright and Debian's chromium

Starts ``affectlab serve`` (default model) on a free 127.0.0.1 port, pastes the text of the
first picture, traces the arc of ``examples/story.txt`` for the second, and writes
``docs/img/dashboard-text.png`` and ``docs/img/dashboard-arc.png``. Nothing leaves the machine.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
TEXT = "I can't believe they cancelled my flight again, and nobody even apologised."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("affectlab serve exited before it was ready")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("affectlab serve was not ready within 120 s")


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs Debian's chromium: apt-get install chromium")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "affectlab", "serve", "--port", str(port), "--no-access-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(url, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page.goto(url + "/")
            page.wait_for_selector("#text-taxonomy option[value=ekman]", state="attached")
            page.fill("#text-input", TEXT)
            page.select_option("#text-taxonomy", "ekman")
            page.click("#text-form button[type=submit]")
            page.wait_for_selector("#text-result .card svg")
            page.screenshot(path=str(IMG / "dashboard-text.png"), full_page=True)
            page.click("#tab-document")
            page.set_input_files("#document-file", str(ROOT / "examples" / "story.txt"))
            page.click("#document-form button[type=submit]")
            page.wait_for_selector("#document-result svg path.curve")
            page.screenshot(path=str(IMG / "dashboard-arc.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"wrote {IMG / 'dashboard-text.png'} and {IMG / 'dashboard-arc.png'}")


if __name__ == "__main__":
    main()
