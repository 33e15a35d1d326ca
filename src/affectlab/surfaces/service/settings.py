"""The service's settings: models, limits, API keys, CORS, batching; from keywords or the environment.

:class:`ServiceSettings` is what :func:`affectlab.surfaces.service.create_app` takes. ``affectlab serve``
builds one from its options and hands it to every worker as JSON in ``AFFECTLAB_SERVICE_SETTINGS``;
API keys never travel that way: workers read them from ``AFFECTLAB_API_KEYS`` (comma-separated) or
the file named by ``AFFECTLAB_API_KEYS_FILE`` (one key a line, ``#`` comments).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from affectlab.core.validation import check_int, check_number
from affectlab.errors import ParameterError

__all__ = ["ENV_KEYS", "ENV_KEYS_FILE", "ENV_SETTINGS", "ServiceSettings", "read_api_keys"]

ENV_SETTINGS = "AFFECTLAB_SERVICE_SETTINGS"
ENV_KEYS = "AFFECTLAB_API_KEYS"
ENV_KEYS_FILE = "AFFECTLAB_API_KEYS_FILE"
_OWNER = "ServiceSettings"


@dataclass(frozen=True)
class ServiceSettings:
    """What one service process serves and how far it goes.

    Parameters
    ----------
    models : tuple of str, default=("embedded",)
        Engine names loaded at start-up, once per worker (the first is the default); a request's
        ``model`` must be one of them. Folders (``embedded:<folder>``) are chosen here, never by a client.
    threads : int, optional
        CPU threads of each engine (default: all cores).
    max_body_bytes : int, default=33554432
        Largest request body in bytes (32 MiB); larger bodies get 413.
    max_texts : int, default=1000
        Texts in one JSON request; more get 422.
    max_chars : int, default=20000
        Characters in one text of a JSON request; longer texts get 422 (file rows are cut and flagged
        ``capped`` at this length instead, as the CLI's ``--max-chars`` does).
    max_wait_ms : float, default=5.0
        How long the micro-batcher waits for more texts before it calls the engine, in milliseconds.
    max_batch : int, default=256
        Texts the micro-batcher hands to the engine at once at most.
    timeout_s : float, default=60.0
        Seconds a request may wait for its result (504 after that); an uploaded file gets this per chunk.
    max_boot : int, default=2000
        Largest ``n_boot`` (bootstrap resamples) of the evaluation and agreement endpoints.
    max_jobs : int, default=2
        File, arc, conversation, evaluation and agreement jobs running at once (the others wait).
    drain_s : float, default=30.0
        On SIGTERM or SIGINT, seconds to let in-flight requests finish (new ones get 503) before stopping.
    cors_origins : tuple of str, default=()
        Origins allowed by CORS (``"*"`` for any); none by default, so CORS is off.
    api_keys : frozenset of str, default=frozenset()
        Accepted keys (``Authorization: Bearer KEY`` or ``X-API-Key: KEY``); empty: no key needed.
    """

    models: tuple[str, ...] = ("embedded",)
    threads: int | None = None
    max_body_bytes: int = 32 * 1024 * 1024
    max_texts: int = 1000
    max_chars: int = 20_000
    max_wait_ms: float = 5.0
    max_batch: int = 256
    timeout_s: float = 60.0
    max_boot: int = 2000
    max_jobs: int = 2
    drain_s: float = 30.0
    cors_origins: tuple[str, ...] = ()
    api_keys: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        if not self.models or not all(isinstance(m, str) and m for m in self.models):
            raise ParameterError(
                f"The 'models' parameter of {_OWNER} must name at least one engine. Got {self.models!r}."
            )
        if self.threads is not None:
            check_int(self.threads, "threads", _OWNER, minimum=1)
        for name in ("max_body_bytes", "max_texts", "max_chars", "max_batch", "max_jobs"):
            check_int(getattr(self, name), name, _OWNER, minimum=1)
        check_int(self.max_boot, "max_boot", _OWNER, minimum=0)
        check_number(self.max_wait_ms, "max_wait_ms", _OWNER, minimum=0, maximum=1000)
        check_number(self.timeout_s, "timeout_s", _OWNER, minimum=0.001)
        check_number(self.drain_s, "drain_s", _OWNER, minimum=0)

    @property
    def default_model(self) -> str:
        """The engine name used when a request names none."""
        return self.models[0]

    def to_env(self) -> str:
        """These settings as the JSON of ``AFFECTLAB_SERVICE_SETTINGS`` (API keys left out)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "api_keys"}
        return json.dumps(data)

    @classmethod
    def from_env(cls) -> ServiceSettings:
        """Settings from ``AFFECTLAB_SERVICE_SETTINGS`` (defaults where unset) and the API-key variables."""
        raw = os.environ.get(ENV_SETTINGS)
        data = json.loads(raw) if raw else {}
        for name in ("models", "cors_origins"):
            if name in data:
                data[name] = tuple(data[name])
        return cls(**data, api_keys=read_api_keys())


def read_api_keys(file: str | os.PathLike[str] | None = None) -> frozenset[str]:
    """The API keys of ``AFFECTLAB_API_KEYS`` and of ``file`` (default ``$AFFECTLAB_API_KEYS_FILE``).

    Raises
    ------
    ParameterError
        If the key file cannot be read (its name is given, never a key).
    """
    keys = {k.strip() for k in os.environ.get(ENV_KEYS, "").split(",") if k.strip()}
    file = file if file is not None else os.environ.get(ENV_KEYS_FILE) or None
    if file is not None:
        try:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ParameterError(f"Cannot read the API key file {str(file)!r}: {exc.__class__.__name__}.") from None
        keys |= {line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}
    return frozenset(keys)
