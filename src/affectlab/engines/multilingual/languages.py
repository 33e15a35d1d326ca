"""Which BRIGHTER language a text is in: a router trained on BRIGHTER's train texts, and py3langid.

py3langid (an offline package with its model inside; the ``[multilingual]`` extra) knows 140 languages
but not all of BRIGHTER's (no Sundanese, Tigrinya or Makhuwa) and not its variants (Algerian vs
Moroccan Arabic, Brazilian vs Mozambican Portuguese). So the artifact's own router, a character
n-gram logistic regression over the languages that have a head, picks the language, and py3langid
says only whether the text is in a language BRIGHTER does not cover at all (French, Italian, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.engines.multilingual.tfidf import CharTfidf
from affectlab.errors import MissingExtra

__all__ = ["ISO_TO_BRIGHTER", "Detection", "LanguageRouter"]

#: py3langid's ISO 639 codes -> BRIGHTER language codes (two where BRIGHTER has two variants).
ISO_TO_BRIGHTER: dict[str, tuple[str, ...]] = {
    "af": ("afr",),
    "am": ("amh", "tir"),  # py3langid has no Tigrinya and names it Amharic (same Ge'ez script)
    "ar": ("arq", "ary"),
    "ary": ("ary",),
    "de": ("deu",),
    "en": ("eng", "pcm"),  # Nigerian Pidgin is often named English
    "es": ("esp",),
    "ha": ("hau",),
    "hi": ("hin",),
    "id": ("ind",),
    "ig": ("ibo",),
    "jv": ("jav", "sun"),
    "mr": ("mar",),
    "om": ("orm",),
    "pcm": ("pcm",),
    "pt": ("ptbr", "ptmz"),
    "ro": ("ron",),
    "ru": ("rus",),
    "rw": ("kin",),
    "so": ("som",),
    "sv": ("swe",),
    "sw": ("swa",),
    "tt": ("tat",),
    "uk": ("ukr",),
    "xh": ("xho",),
    "yo": ("yor",),
    "zh": ("chn",),
    "zu": ("zul",),
}

#: py3langid confidence at or above which a language outside BRIGHTER makes a text ``lang_unsupported``.
UNSUPPORTED_CONFIDENCE = 0.9
#: Router probability below which a text is ``lang_uncertain`` (very short texts, mixed languages).
UNCERTAIN_CONFIDENCE = 0.5
#: A text the router puts in English or Nigerian Pidgin is English when P(eng) / (P(eng) + P(pcm)) reaches this.
#: BRIGHTER's English is social-media text, so plain written English ("I am so happy that you came") often
#: scores closer to Pidgin. Chosen on dev texts: 1% of BRIGHTER Pidgin dev moves to English, and 99% of the
#: GoEmotions, EmoBank and BRIGHTER English dev texts that the router puts in either are English.
ENGLISH_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Detection:
    """The language of one text.

    Attributes
    ----------
    code : str
        The BRIGHTER language the router picks (always one with a head).
    confidence : float
        The router's probability of ``code``, in [0, 1].
    iso : str
        py3langid's ISO 639 code for the text.
    iso_confidence : float
        py3langid's normalised probability of ``iso``, in [0, 1].
    status : {"ok", "unsupported", "uncertain"}
        ``unsupported``: py3langid is sure of a language BRIGHTER does not cover; ``uncertain``: the
        router's probability is below :data:`UNCERTAIN_CONFIDENCE`.
    """

    code: str
    confidence: float
    iso: str
    iso_confidence: float
    status: str


class LanguageRouter:
    """Detect the BRIGHTER language of texts.

    Parameters
    ----------
    codes : sequence of str
        The router's classes, BRIGHTER codes in its weight's column order.
    tfidf : CharTfidf
        The router's character n-gram features.
    weight : array of shape (n_features, n_codes)
    bias : array of shape (n_codes,)
    compatible_iso : sequence of str
        py3langid codes that never make a text unsupported: those of :data:`ISO_TO_BRIGHTER` and those
        py3langid gave to at least 2 % of a BRIGHTER language's train texts.
    """

    def __init__(
        self,
        codes: Sequence[str],
        tfidf: CharTfidf,
        weight: NDArray[np.floating],
        bias: NDArray[np.floating],
        compatible_iso: Sequence[str],
    ) -> None:
        self.codes = list(codes)
        self.tfidf = tfidf
        self.weight = np.asarray(weight, dtype=np.float64)
        self.bias = np.asarray(bias, dtype=np.float64)
        self.compatible_iso = frozenset(compatible_iso)
        self._identifier: Any = None

    def _langid(self) -> Any:
        if self._identifier is None:
            try:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier
            except ImportError as exc:
                raise MissingExtra(
                    "Language identification (lang='auto') needs py3langid: pip install 'affectlab[multilingual]', "
                    "or name the language (lang='deu')."
                ) from exc
            self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return self._identifier

    def iso_labels(self) -> list[str]:
        """py3langid's ISO codes, in its column order."""
        return list(self._langid().nb_classes)

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """The router's probability of each code per text, shape (n_texts, n_codes)."""
        z = self.tfidf.transform(texts) @ self.weight + self.bias
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def detect(self, texts: Sequence[str]) -> list[Detection]:
        """One :class:`Detection` per text, in order."""
        probs = self.probabilities(texts)
        identifier = self._langid()
        out = []
        english = self.codes.index("eng") if {"eng", "pcm"} <= set(self.codes) else None
        pidgin = self.codes.index("pcm") if english is not None else None
        for text, row in zip(texts, probs):
            iso, iso_p = identifier.classify(text)
            k = int(np.argmax(row))
            if k in (english, pidgin) and row[english] >= ENGLISH_SHARE * (row[english] + row[pidgin]):
                k = english
                row = row.copy()
                row[k] = row[english] + row[pidgin]  # the confidence of "English or Pidgin", now read as English
            if iso not in self.compatible_iso and iso_p >= UNSUPPORTED_CONFIDENCE:
                status = "unsupported"
            elif row[k] < UNCERTAIN_CONFIDENCE:
                status = "uncertain"
            else:
                status = "ok"
            out.append(Detection(self.codes[k], float(row[k]), str(iso), float(iso_p), status))
        return out
