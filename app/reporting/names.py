"""Comparison keys of the names complainants write: the same body or official, however written.

A complainant types the state body (and, if known, the official) by hand, so one body
appears as «ГУ "Отдел земельных отношений"», "гу отдел земельных отношений" and
"Отдел земельных отношений" — in Cyrillic with a stray Latin "о" or "с" from a switched
keyboard, with or without its legal form. :func:`body_key` and :func:`official_key` turn
each into one key; complaints with the same key are counted together
(app.reporting.patterns). The rules, in the order they apply:

1. **Unicode** is brought to its composed form (NFKC): compatibility characters (ligatures,
   full-width letters, the "№" sign) become ordinary ones.
2. **Look-alike letters** are mapped word by word to the script of the word. A word with
   more Cyrillic than Latin letters gets its Latin look-alikes as Cyrillic letters (upper
   case A B C E H I K M O P T X Y, lower case a c e h i k m o p t x y: "h" and "i" become
   the Kazakh "һ" and "і"); a word with more Latin letters gets the reverse. A word made
   only of look-alikes ("TOO" typed on a Latin keyboard) takes the script of the whole name
   (by the same count over all its words; Cyrillic when that does not tell either).
3. **Case** is folded (``str.casefold``).
4. **Letters written two ways**: "ё" is "е"; the Kazakh letters are written with their
   Russian base letters (ә→а, ғ→г, қ→к, ң→н, ө→о, ұ→у, ү→у, һ→х, і→и), as many type them
   without a Kazakh keyboard ("әкімдігі" = "акимдиги") — the same fold as the search index.
5. **Quotes** of every kind (« » „ “ ” " ' ‘ ’ ‚ ‹ › ` ´) are removed, and every other
   character that is not a letter or a digit (punctuation, dashes, brackets, line breaks)
   separates words; runs of spaces are one space.
6. **Body types** (only in :func:`body_key`), Kazakh and Russian, abbreviated or in full,
   become one word:

   - legal forms of state institutions — ГУ / государственное учреждение / мемлекеттік
     мекеме(сі) / ММ; РГУ / республиканское государственное учреждение / республикалық
     мемлекеттік мекеме / РММ; КГУ / коммунальное государственное учреждение /
     коммуналдық мемлекеттік мекеме / КММ; РГП / республиканское государственное
     предприятие / республикалық мемлекеттік кәсіпорын / РМК; ГКП / государственное
     коммунальное предприятие / мемлекеттік коммуналдық кәсіпорын / МКК — are
     **dropped**: every state body is one, so the form tells bodies apart no more than its
     absence (people write it or leave it out);
   - ТОО / товарищество с ограниченной ответственностью / жауапкершілігі шектеулі
     серіктестік / ЖШС → "тоо"; АО / акционерное общество / акционерлік қоғам → "ао"
     (kept, and put first — Kazakh writes the form after the name, Russian before: a
     quasi-public company's form is part of its name);
   - УГД / управление государственных доходов / мемлекеттік кірістер басқармасы / МКБ →
     "угд"; ДГД / департамент государственных доходов / мемлекеттік кірістер департаменті
     / МКД → "дгд";
   - МИО / местный исполнительный орган / жергілікті атқарушы орган / ЖАО → "мио";
   - акимат, акимата, акимату, акиматом, акимате / әкімдік, әкімдігі, әкімдігінің,
     әкімдікке → "акимат";
   - ДЧС / департамент по чрезвычайным ситуациям / төтенше жағдайлар департаменті → "дчс";
     ДП / департамент полиции / полиция департаменті → "дп".

What is *not* unified, on purpose: word order ("акимат района" and "района акимат" are two
keys), declension beyond the forms above, initials against full names ("Иванов И. И." and
"Иванов Иван Иванович" may be two people), and translations of whole names (a body named
once in Kazakh and once in Russian keeps two keys unless only its type words differ).
Different bodies stay different: nothing but the rules above is removed or merged.
"""

from __future__ import annotations

import unicodedata

KEY_LENGTH = 300  # as complaints.body_name; an official's key fits in it too

_CYRILLIC_OF_LATIN = {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "K": "К", "M": "М", "O": "О", "P": "Р",
    "T": "Т", "X": "Х", "Y": "У",
    "a": "а", "c": "с", "e": "е", "h": "һ", "i": "і", "k": "к", "m": "м", "o": "о", "p": "р", "t": "т",
    "x": "х", "y": "у",
}
_LATIN_OF_CYRILLIC = {cyrillic: latin for latin, cyrillic in _CYRILLIC_OF_LATIN.items()}
_TO_CYRILLIC = str.maketrans(_CYRILLIC_OF_LATIN)
_TO_LATIN = str.maketrans(_LATIN_OF_CYRILLIC)

_LETTERS = str.maketrans({"ё": "е", "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у",
                          "һ": "х", "і": "и"})
_QUOTES = str.maketrans(dict.fromkeys("«»„“”\"'‘’‚‹›`´", ""))


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    if name.startswith("CYRILLIC"):
        return "cyrillic"
    if name.startswith("LATIN"):
        return "latin"
    return None


def _leaning(word: str) -> str | None:
    """The script of ``word`` by its letters that are not look-alikes (None: only look-alikes)."""
    cyrillic = sum(1 for ch in word if _script(ch) == "cyrillic" and ch not in _LATIN_OF_CYRILLIC)
    latin = sum(1 for ch in word if _script(ch) == "latin" and ch not in _CYRILLIC_OF_LATIN)
    if cyrillic == latin:
        return None
    return "cyrillic" if cyrillic > latin else "latin"


def _one_script(words: list[str]) -> list[str]:
    leanings = [_leaning(word) for word in words]
    whole = _leaning("".join(words)) or "cyrillic"  # nothing tells: the registry's names are Cyrillic
    return [word.translate(_TO_LATIN if (leaning or whole) == "latin" else _TO_CYRILLIC)
            for word, leaning in zip(words, leanings, strict=True)]


def _words(name: str | None) -> list[str]:
    """Rules 1–5: the name's words, each in one script, folded, without quotes or punctuation."""
    if not name:
        return []
    text = unicodedata.normalize("NFKC", name).translate(_QUOTES)
    spaced = "".join(ch if ch.isalnum() else " " for ch in text)
    words = _one_script(spaced.split())
    return [word.casefold().translate(_LETTERS) for word in words]


def _phrases(table: dict[str, tuple[str, ...]]) -> list[tuple[tuple[str, ...], str]]:
    """(folded words of a spelling, its one word), the longest spellings first."""
    pairs = [(tuple(_words(spelling)), word) for word, spellings in table.items() for spelling in spellings]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


DROPPED = ""  # a body type that does not enter the key
_BODY_TYPES = _phrases({
    DROPPED: (
        "ГУ", "государственное учреждение", "мемлекеттік мекеме", "мемлекеттік мекемесі", "ММ",
        "РГУ", "республиканское государственное учреждение", "республикалық мемлекеттік мекеме",
        "республикалық мемлекеттік мекемесі", "РММ",
        "КГУ", "коммунальное государственное учреждение", "коммуналдық мемлекеттік мекеме",
        "коммуналдық мемлекеттік мекемесі", "КММ",
        "РГП", "республиканское государственное предприятие", "республикалық мемлекеттік кәсіпорын",
        "республикалық мемлекеттік кәсіпорны", "РМК",
        "ГКП", "государственное коммунальное предприятие", "мемлекеттік коммуналдық кәсіпорын",
        "мемлекеттік коммуналдық кәсіпорны", "МКК",
    ),
    "тоо": ("ТОО", "товарищество с ограниченной ответственностью", "жауапкершілігі шектеулі серіктестік",
            "жауапкершілігі шектеулі серіктестігі", "ЖШС"),
    "ао": ("АО", "акционерное общество", "акционерлік қоғам", "акционерлік қоғамы"),
    "угд": ("УГД", "управление государственных доходов", "мемлекеттік кірістер басқармасы", "МКБ"),
    "дгд": ("ДГД", "департамент государственных доходов", "мемлекеттік кірістер департаменті", "МКД"),
    "мио": ("МИО", "местный исполнительный орган", "жергілікті атқарушы орган", "жергілікті атқарушы органы",
            "ЖАО"),
    "акимат": ("акимат", "акимата", "акимату", "акиматом", "акимате", "әкімдік", "әкімдігі", "әкімдігінің",
               "әкімдікке", "әкімдігіне"),
    "дчс": ("ДЧС", "департамент по чрезвычайным ситуациям", "төтенше жағдайлар департаменті"),
    "дп": ("ДП", "департамент полиции", "полиция департаменті"),
})


_LEGAL_FORMS = frozenset({"тоо", "ао"})  # put first: Kazakh writes them after the name, Russian before


def _unify(words: list[str]) -> list[str]:
    forms, out, i = [], [], 0
    while i < len(words):
        for spelling, word in _BODY_TYPES:
            if tuple(words[i:i + len(spelling)]) == spelling:
                if word in _LEGAL_FORMS:
                    forms.append(word)
                elif word:
                    out.append(word)
                i += len(spelling)
                break
        else:
            out.append(words[i])
            i += 1
    return forms + out


def _key(words: list[str]) -> str | None:
    return " ".join(words)[:KEY_LENGTH] or None


def body_key(name: str | None) -> str:
    """The comparison key of a state body's name (rules 1–6); "" for a name of no words."""
    words = _words(name)
    return _key(_unify(words)) or _key(words) or ""


def official_key(name: str | None) -> str | None:
    """The comparison key of an official's name (rules 1–5); None when no official is named."""
    return _key(_words(name))


def keys(body_name: str | None, official_name: str | None) -> dict[str, str | None]:
    """The complaint's key columns (``body_key``, ``official_key``) for its written names."""
    return {"body_key": body_key(body_name), "official_key": official_key(official_name)}
