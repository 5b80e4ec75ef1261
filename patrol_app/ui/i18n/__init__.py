"""All user-facing strings, German first, English switchable. Keys are English snake_case.

One catalogue module per screen (``login``, ``check_form``, ``picture`` ...), each a ``DE`` and an
``EN`` dict of the same keys; a new screen brings its own module and lists it in ``_MODULES``.
Keys are global: a key defined in two modules is refused at import, so screens cannot silently
overwrite each other's words. The words for wire codes come from ``patrol_wire.labels``, the
one table the server's exports use too.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re

from patrol_wire.labels import CODE_LABELS

_MODULES = ("common", "login", "field", "check_form", "outbox", "history", "queries", "maps",
            "lead", "review", "picture", "admin", "complaints", "agencies", "operations")


def _merge() -> tuple[dict[str, str], dict[str, str]]:
    de: dict[str, str] = {}
    en: dict[str, str] = {}
    for name in _MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        if module.DE.keys() != module.EN.keys():
            raise RuntimeError(f"i18n.{name}: German and English keys differ: "
                               f"{sorted(module.DE.keys() ^ module.EN.keys())}")
        twice = de.keys() & module.DE.keys()
        if twice:
            raise RuntimeError(f"i18n.{name} defines keys another catalogue has: {sorted(twice)}")
        de.update(module.DE)
        en.update(module.EN)
    twice = de.keys() & CODE_LABELS["de"].keys()
    if twice:
        raise RuntimeError(f"i18n keys that patrol_wire.labels defines: {sorted(twice)}")
    de.update(CODE_LABELS["de"])
    en.update(CODE_LABELS["en"])
    return de, en


DE, EN = _merge()
CATALOGUES = {"de": DE, "en": EN}

# "{n|1 Foto|{n} Fotos}": the first form for a count of one, the second for every other count
# (German and English agree: 0 Fotos, 1 Foto, 2 Fotos). Forms may hold placeholders.
_PLURAL = re.compile(r"\{(\w+)\|((?:[^{}|]|\{\w+\})*)\|((?:[^{}|]|\{\w+\})*)\}")


def plural(n: int, one: str, other: str) -> str:
    """The form of a word for a count, in German and English alike."""
    return one if n == 1 else other


def _choose_forms(text: str, kw: dict) -> str:
    return _PLURAL.sub(lambda m: plural(kw[m.group(1)], m.group(2), m.group(3)), text)


class Translator:
    def __init__(self, lang: str = "de") -> None:
        self.lang = lang if lang in CATALOGUES else "de"

    def __call__(self, key: str, **kw: object) -> str:
        text = CATALOGUES[self.lang].get(key) or DE.get(key) or key
        if "|" in text:
            text = _choose_forms(text, kw)
        return text.format(**{k: self.number(v) if isinstance(v, float) else v for k, v in kw.items()})

    def error(self, code: str | None, fallback: str) -> str:
        """A server error code in words; the server's own message when we have none."""
        key = f"error_{code}"
        return self(key) if code and key in CATALOGUES[self.lang] else fallback

    def number(self, value: float, digits: int = 0) -> str:
        text = f"{value:,.{digits}f}"
        if self.lang == "de":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def datetime(self, moment: dt.datetime) -> str:
        local = moment.astimezone()
        return local.strftime("%d.%m.%Y %H:%M") if self.lang == "de" else local.strftime("%Y-%m-%d %H:%M")

    def day(self, d: dt.date) -> str:
        return d.strftime("%d.%m.%Y") if self.lang == "de" else d.isoformat()

    def time(self, moment: dt.datetime) -> str:
        return moment.astimezone().strftime("%H:%M")

    def distance(self, meters: float) -> str:
        if meters < 1000:
            return self("distance_m", m=self.number(meters))
        return self("distance_km", km=self.number(meters / 1000, 1))
