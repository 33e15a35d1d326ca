"""The LLM annotator: stance, agreement and affect of every post from a chat model (extra ``[llm]``).

As in the published code, a reply is asked about together with its parent (stance, agreement,
affect, each with a short explanation), and a post without a parent in the data (a root, or an
orphan whose parent is missing) about itself alone (stance and affect). The prompts are the
templates ``prompts/reply.yaml`` and ``prompts/root.yaml``, the answers' JSON schemas
``prompts/reply.schema.json`` and ``prompts/root.schema.json`` (the stance enum is filled with
the declared categories). The paper used Llama 3.1 70B at temperature 0 through function calling;
here any OpenAI-compatible server answers under a JSON schema (:class:`~affectlab.engines.llm.LLMClient`).
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from affectlab.analyses.polarization.threads import Posts
from affectlab.engines.llm import Endpoint, JSONRequest, LLMClient, Template, load_template
from affectlab.io import Progress

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LLMAnnotator", "schema"]

PROMPTS = "prompts"
#: Answer length bound (tokens) unless ``max_tokens`` is given: three explanations of <= 300 characters fit.
MAX_TOKENS = 1024


def _prompt_file(name: str) -> Path:
    return Path(str(resources.files("affectlab.analyses.polarization") / PROMPTS / name))


def schema(kind: str, stances: tuple[str, ...]) -> dict[str, Any]:
    """The JSON schema of a ``reply`` or ``root`` answer, its stance enum set to ``stances``.

    Examples
    --------
    >>> schema("root", ("pro", "anti", "don't know"))["properties"]["stance"]["enum"]
    ['pro', 'anti', "don't know"]
    """
    data = json.loads(_prompt_file(f"{kind}.schema.json").read_text(encoding="utf-8"))
    data = {k: v for k, v in data.items() if not k.startswith("$comment")}
    out = copy.deepcopy(data)
    out["properties"]["stance"]["enum"] = list(stances)
    return out


class LLMAnnotator:
    """Labels from an LLM behind an OpenAI-compatible chat-completions server.

    Parameters
    ----------
    endpoint : str
        ``llm:<model>@<base_url>``, e.g. ``llm:llama3.1:70b@http://127.0.0.1:11434/v1``.
    reply_template, root_template : str or Path, optional
        Prompt template files (YAML or JSON with ``id``, ``version``, ``system``, ``user``) replacing
        the shipped ones; fields ``topic``, ``stances``, ``unclear``, ``post`` and (reply) ``parent``.
    temperature : float, default=0.0
        Sampling temperature (the paper used 0).
    check : bool, default=True
        Contact the server before the first request, so a wrong URL fails before any work.
    progress : bool, default=False
        A progress bar of the requests on stderr (only on a terminal).
    **client_options
        Passed to :class:`~affectlab.engines.llm.LLMClient`: ``api_key_env``, ``seed``, ``dialect``, ``cache``,
        ``concurrency``, ``retries``, ``timeout``, ``max_tokens`` (default here 1024: room for three
        explanations of up to 300 characters).

    Attributes
    ----------
    usage_ : Usage
        Requests, cache hits, tokens, retries and failures of the last :meth:`annotate`.
    notes_ : tuple of str
        The templates used (id, version, hash) and the usage line, for the result's notes.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        reply_template: str | Path | None = None,
        root_template: str | Path | None = None,
        temperature: float = 0.0,
        check: bool = True,
        progress: bool = False,
        **client_options: Any,
    ) -> None:
        self.endpoint = endpoint
        self.reply_template = reply_template
        self.root_template = root_template
        self.temperature = temperature
        self.check = check
        self.progress = progress
        self.client_options = client_options

    @property
    def name(self) -> str:
        """``llm:<model>@<host>`` (the URL without credentials or path)."""
        return str(Endpoint.parse(self.endpoint))

    def _templates(self) -> tuple[Template, Template]:
        reply = load_template(self.reply_template or _prompt_file("reply.yaml"))
        root = load_template(self.root_template or _prompt_file("root.yaml"))
        return reply, root

    def annotate(self, posts: Posts, *, topic: str, stances: tuple[str, ...]) -> pd.DataFrame:
        """One request per post; a post whose answer never validates gets ``annotation_error``."""
        import pandas as pd

        reply_template, root_template = self._templates()
        schemas = {"reply": schema("reply", stances), "root": schema("root", stances)}
        table = posts.table
        texts = table["text"].tolist()
        common = {"topic": topic, "stances": ", ".join(stances), "unclear": stances[-1]}
        requests, kinds = [], []
        for text, role, parent in zip(texts, table["role"], table["parent_row"]):
            if role == "reply":
                messages = reply_template.render(**common, post=text, parent=texts[parent])
                kinds.append("reply")
            else:
                messages = root_template.render(**common, post=text)
                kinds.append("root")
            requests.append(JSONRequest(messages=messages, schema=schemas[kinds[-1]]))
        options = {"max_tokens": MAX_TOKENS} | self.client_options
        client = LLMClient(self.endpoint, temperature=self.temperature, **options)
        try:
            if self.check:
                client.check()
            with Progress("annotating posts", len(requests), unit="posts", enabled=self.progress) as bar:
                replies = client.complete_json(requests, progress=bar)
        finally:
            client.close()
        self.usage_ = client.usage
        self.notes_ = (
            f"LLM annotator {self.name}: templates {reply_template.id} v{reply_template.version} "
            f"({reply_template.hash}) and {root_template.id} v{root_template.version} ({root_template.hash}); "
            f"{client.usage.summary()}.",
        )
        rows = []
        for kind, reply in zip(kinds, replies):
            value = reply.value or {}
            rows.append(
                {
                    "stance": value.get("stance"),
                    "agreement": value.get("agreement") if kind == "reply" else None,
                    "affect": value.get("affect"),
                    "stance_explanation": value.get("stance_explanation"),
                    "agreement_explanation": value.get("agreement_explanation") if kind == "reply" else None,
                    "affect_explanation": value.get("affect_explanation"),
                    "annotation_error": None if reply.value is not None else (reply.error or "no answer"),
                }
            )
        return pd.DataFrame(rows, index=table.index)
