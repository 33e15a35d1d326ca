"""A real OpenAI-compatible server on loopback: llama-cpp-python serving a tiny random-weight GGUF.

``write_tiny_gguf`` writes a llama-architecture model (SentencePiece-style vocabulary of
555 tokens, 64-wide, 2 layers, about 0.6 MB) in well under a second. Its answers are random: it is
an adversary for parsers and validators, never evidence of quality. The 256 byte-fallback tokens
are typed CONTROL, not BYTE, so the model cannot emit control characters or broken UTF-8; they
still let the tokenizer encode any prompt.

``LlamaServer`` starts ``python -m llama_cpp.server`` as a real subprocess on 127.0.0.1 and a free
port, waits until ``/v1/models`` answers and stops it with SIGTERM (then SIGKILL).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

import numpy as np

MODEL_ALIAS = "tiny-random"

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

SPECIAL = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
UNK_ID, BOS_ID, EOS_ID = 0, 1, 4  # the chat turn ends with <|im_end|>
WORDS = [
    "true", "false", "null", "label", "labels", "score", "scores", "emotion", "emotions", "joy",
    "sadness", "anger", "fear", "surprise", "disgust", "neutral", "love", "valence", "arousal",
    "dominance", "sentiment", "positive", "negative", "rating", "explanation", "the", "a", "is",
    "and", "of", "to", "it", "very", "not", "good", "bad", "text", "reply", "empathy",
]  # fmt: skip
PIECES = ['{"', '"}', '":', '",', '":"', '","', '":{', '":[', '"]', "},", "],", "0.", "1.", "-0.", "e-", "e+"]


def _vocabulary() -> tuple[list[str], list[float], list[int]]:
    """Tokens, SentencePiece scores and token types (gguf.TokenType values)."""
    tokens = list(SPECIAL)
    types = [2, 3, 3, 3, 3]  # UNKNOWN, then CONTROL
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [3] * 256  # CONTROL, not BYTE: see the module docstring
    normal = ["\u2581", *(chr(c) for c in range(33, 127))]
    normal += [f"\u2581{w}" for w in WORDS] + WORDS + PIECES + ["\u2581" + p for p in PIECES]
    normal += [str(n) for n in range(10, 100)]
    seen = set(tokens)
    for piece in normal:
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
            types.append(1)  # NORMAL
    # SentencePiece merges prefer higher scores: longer pieces first, specials and bytes last.
    scores = [float(len(tok)) if typ == 1 else -1000.0 for tok, typ in zip(tokens, types)]
    return tokens, scores, types


def write_tiny_gguf(path: str | os.PathLike[str], *, dim: int = 64, n_layers: int = 2, seed: int = 0) -> Path:
    """Write a tiny random-weight llama GGUF with a chatml template and return its path.

    Parameters
    ----------
    path : str or os.PathLike
        Output file (``.gguf``); its parent folder must exist.
    dim : int, default=64
        Embedding width; 4 attention heads of ``dim // 4``.
    n_layers : int, default=2
        Number of transformer blocks.
    seed : int, default=0
        Seed of the weights: the same seed writes the same file.

    Returns
    -------
    pathlib.Path
        ``path``, about 0.6 MB for the defaults.
    """
    import gguf

    path = Path(path)
    tokens, scores, types = _vocabulary()
    n_vocab, n_head, n_ff = len(tokens), 4, 2 * dim
    rng = np.random.default_rng(seed)

    def weight(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.5 / np.sqrt(shape[-1])).astype(np.float32)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("affectlab-tiny-random")
    writer.add_context_length(2048)
    writer.add_embedding_length(dim)
    writer.add_block_count(n_layers)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head)
    writer.add_rope_dimension_count(dim // n_head)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(UNK_ID)
    writer.add_bos_token_id(BOS_ID)
    writer.add_eos_token_id(EOS_ID)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_chat_template(CHATML_TEMPLATE)

    ones = np.ones(dim, dtype=np.float32)
    writer.add_tensor("token_embd.weight", weight(n_vocab, dim))
    writer.add_tensor("output_norm.weight", ones)
    writer.add_tensor("output.weight", weight(n_vocab, dim))
    for i in range(n_layers):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", ones)
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"blk.{i}.{name}.weight", weight(dim, dim))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", ones)
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", weight(n_ff, dim))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", weight(n_ff, dim))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", weight(dim, n_ff))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


class LlamaEndpoint(NamedTuple):
    """Where a running server answers: ``base_url`` (``http://127.0.0.1:PORT/v1``) and ``model`` name."""

    base_url: str
    model: str


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaServer:
    """``python -m llama_cpp.server`` on 127.0.0.1 as a context manager.

    Parameters
    ----------
    model_path : str or os.PathLike
        The GGUF file to serve.
    n_ctx : int, default=2048
        Context window in tokens.
    startup_timeout_s : float, default=60.0
        How long to wait for ``/v1/models`` to answer.

    Attributes
    ----------
    base_url : str
        ``http://127.0.0.1:PORT/v1`` once started.
    model : str
        The model name the server reports (``MODEL_ALIAS``).
    process : subprocess.Popen
        The server process once started.

    Examples
    --------
    >>> with LlamaServer(write_tiny_gguf(tmp / "m.gguf")) as server:  # doctest: +SKIP
    ...     httpx.get(server.base_url + "/models").json()
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        n_ctx: int = 2048,
        threads: int = 1,
        startup_timeout_s: float = 60.0,
    ):
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.threads = threads
        self.startup_timeout_s = startup_timeout_s
        self.model = MODEL_ALIAS
        self.base_url = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None

    def start(self) -> LlamaServer:
        port = free_port()
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model_path), "--model_alias", self.model,
            "--host", "127.0.0.1", "--port", str(port),
            "--n_ctx", str(self.n_ctx), "--n_threads", str(self.threads), "--n_threads_batch", str(self.threads),
            "--n_gpu_layers", "0", "--verbose", "False",
        ]  # fmt: skip
        self._log = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        self.base_url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise self._failure(f"exited with code {self.process.returncode} before answering")
            try:
                with urllib.request.urlopen(self.base_url + "/models", timeout=1.0) as reply:
                    if reply.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        raise self._failure(f"did not answer {self.base_url}/models within {self.startup_timeout_s:g} s")

    def log(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        if self._log is None:
            return ""
        return Path(self._log.name).read_text(errors="replace")

    def _failure(self, what: str) -> RuntimeError:
        """Stop the server and describe why it failed, with the end of its output."""
        log = self.log()
        self.stop()
        return RuntimeError(f"llama_cpp.server for {self.model_path} {what}. Its output:\n{log[-4000:]}")

    def stop(self, grace_s: float = 2.0) -> None:
        """SIGTERM, wait up to ``grace_s`` seconds, then SIGKILL."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_llama_server(
    model_path: str | os.PathLike[str], *, n_ctx: int = 2048, startup_timeout_s: float = 60.0
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start a server (see ``LlamaServer``) and return ``(base_url, process)``; the caller terminates it.

    Prefer ``LlamaServer`` as a context manager, which also stops the process.
    """
    server = LlamaServer(model_path, n_ctx=n_ctx, startup_timeout_s=startup_timeout_s).start()
    assert server.process is not None
    return server.base_url, server.process
