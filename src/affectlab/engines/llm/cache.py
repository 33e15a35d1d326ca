"""The persistent answer cache: SQLite, one row per validated answer.

A key is the SHA-256 of everything that decides an answer: base URL, model, messages
(so prompt template and text), schema and sampling parameters. API keys are never part
of a key or a row. Only validated answers are stored, so a rerun or a resumed run asks
the server only for what is missing or failed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

__all__ = ["AnswerCache", "cache_key", "default_cache_path"]


def default_cache_path() -> Path:
    """``$AFFECTLAB_CACHE_DIR/llm.sqlite``, else ``$XDG_CACHE_HOME/affectlab/llm.sqlite`` (``~/.cache``)."""
    root = os.environ.get("AFFECTLAB_CACHE_DIR")
    if root:
        return Path(root) / "llm.sqlite"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "affectlab" / "llm.sqlite"


def cache_key(parts: dict[str, Any]) -> str:
    """A stable hex digest of ``parts`` (JSON with sorted keys)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class AnswerCache:
    """A thread-safe key -> JSON object store in one SQLite file (created with its folder)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: dict[str, Any]) -> None:
        blob = json.dumps(value, ensure_ascii=False)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers (key, value) VALUES (?, ?)", (key, blob))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
