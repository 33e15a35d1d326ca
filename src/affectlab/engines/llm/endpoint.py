"""Where an LLM lives: ``llm:<model>@<base_url>`` parsed into an :class:`Endpoint`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from affectlab.errors import ParameterError

__all__ = ["Endpoint"]


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible chat-completions server and the model to ask.

    Attributes
    ----------
    model : str
        The model name the server knows (e.g. ``llama3.1:8b``, ``gpt-4o-mini``).
    base_url : str
        The API root without a trailing slash, the part before ``/chat/completions``
        (e.g. ``http://127.0.0.1:8080/v1``).
    """

    model: str
    base_url: str

    @classmethod
    def parse(cls, spec: str) -> Endpoint:
        """Read ``llm:<model>@<base_url>`` (the ``llm:`` prefix is optional).

        The URL starts at the last ``@`` followed by ``http://`` or ``https://``, so model
        names may hold ``:`` and ``@``.

        Raises
        ------
        ParameterError
            If the spec has no model or no http(s) URL.
        """
        body = spec[4:] if spec.startswith("llm:") else spec
        cut = max(body.rfind("@http://"), body.rfind("@https://"))
        model, url = (body[:cut], body[cut + 1 :]) if cut >= 0 else (body, "")
        parts = urlsplit(url)
        if not model or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ParameterError(
                f"An LLM engine is named 'llm:<model>@<base_url>', e.g. 'llm:llama3.1:8b@http://127.0.0.1:11434/v1'. "
                f"Got {spec!r}."
            )
        return cls(model, url.rstrip("/"))

    @property
    def host(self) -> str:
        """``host[:port]`` of the server, without credentials (what reports name)."""
        parts = urlsplit(self.base_url)
        return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else parts.netloc

    def __str__(self) -> str:
        return f"llm:{self.model}@{self.host}"
