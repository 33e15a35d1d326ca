"""LLM engines, annotators and judges behind any OpenAI-compatible chat-completions server (extra ``[llm]``).

:class:`LLMClient` asks for JSON objects that satisfy a schema (retries, cache, two
structured-output dialects, usage counts); :class:`LLMEngine` turns it into an emotion
engine (``--model llm:<model>@<base_url>``); prompt templates are data
(:func:`load_template`). Importing this package does not import httpx.
"""

from affectlab.engines.llm.client import JSONReply, JSONRequest, LLMClient, Usage
from affectlab.engines.llm.endpoint import Endpoint
from affectlab.engines.llm.engine import LLMEngine, emotion_schema
from affectlab.engines.llm.replies import ReplyError, read_reply
from affectlab.engines.llm.templates import Template, available_templates, load_data_file, load_template

__all__ = [
    "Endpoint",
    "JSONReply",
    "JSONRequest",
    "LLMClient",
    "LLMEngine",
    "ReplyError",
    "Template",
    "Usage",
    "available_templates",
    "emotion_schema",
    "load_data_file",
    "load_template",
    "read_reply",
]
