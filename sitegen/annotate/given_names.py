"""Given names: whether a word is one, and the pronoun it usually goes with.

gender-guesser's dictionary (about 48,000 first names of many countries, from Jörg Michael's
nam_dict) serves two habits of news writing: a capitalised word before a surname is part of the name
only if it is a given name ("Sophia Lin Lakin", but "Councillor Tom Berg"); and "she said" after a
paragraph about two people goes to the one whose name goes with "she". The dictionary knows names by
usage, not people: what the text says (Mr, Ms, spokeswoman) comes first, and a name used for men in
one country and women in another ("Rand", "Andrea") rules nothing out. (`Detector.get_gender` answers
by a majority of countries, which made "Rand" a woman's name.)
"""

from __future__ import annotations

import importlib.resources
from functools import lru_cache
from typing import Literal

Pronoun = Literal["he", "she"]
_USAGE = {"M": 1, "1M": 1, "?M": 1, "F": 2, "1F": 2, "?F": 2, "?": 0}  # 1 a man's name, 2 a woman's
_PRONOUN: dict[int, Pronoun | None] = {0: None, 1: "he", 2: "she", 3: None}


@lru_cache(maxsize=1)
def _names() -> dict[str, Pronoun | None]:
    """Each lower-case given name and its pronoun, None when it goes with both. The dictionary file is
    read here, not through `gender_guesser.detector.Detector`, which keeps every name's per-country
    frequencies: 22 MB more in each annotating process, for a table of a few MB."""
    usages: dict[str, int] = {}
    data = importlib.resources.files("gender_guesser") / "data" / "nam_dict.txt"
    with data.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip() or line[0] in "#=":
                continue
            code, name = line.split(maxsplit=2)[:2]
            # "+" joins the parts of a compound name, written together, apart or hyphenated
            for form in {name.replace("+", joiner).lower() for joiner in ("", " ", "-")}:
                usages[form] = usages.get(form, 0) | _USAGE[code]
    return {name: _PRONOUN[usage] for name, usage in usages.items()}


def is_given_name(word: str) -> bool:
    """A first name in some country's usage ("Sophia", "Rustem"); titles and common words are not."""
    return word.lower() in _names()


def usual_pronoun(word: str) -> Pronoun | None:
    """"he" or "she" for a given name that goes with one in every country the dictionary has it for."""
    return _names().get(word.lower())
