"""How station names compare, split into words and give a new station its code: plain functions of text.

Apart from the models, so that the GTFS reader, which touches no database, checks names by them too.
"""

import re
import unicodedata

# Dashes join the words of a name ("Paris-St-Lazare"): they count as spaces.
_DASHES = re.compile(r"[\u002d\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_SPACES = re.compile(r"\s+")


def station_key(name: str) -> str:
    """Return the form under which station names are compared: without accents, case or extra spaces.

    Compatibility forms are unified (NFKD), accents dropped, case folded, dashes read as spaces
    and runs of spaces made one, so that "Zürich  HB", "zurich hb" and "ZURICH-HB" are alike.
    Other punctuation counts: "St." and "St" differ. The result is NFC, so that Hangul and other
    scripts that compose without marks keep their length.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    bare = "".join(char for char in folded if not unicodedata.combining(char))
    return _SPACES.sub(" ", _DASHES.sub(" ", unicodedata.normalize("NFC", bare))).strip()


def station_words(name: str) -> list[str]:
    """Return the distinct words of a name as the station finder indexes them, in order.

    A word is a run of letters, digits and the marks that go with them (vowel signs) in the
    name's key: any other character separates words, so "Paris-St-Lazare", "paris st. lazare"
    and "PARIS ST LAZARE" have the same words.
    """
    spaced = "".join(char if unicodedata.category(char)[0] in "LNM" else " " for char in station_key(name))
    return list(dict.fromkeys(spaced.split()))


def station_code_base(name: str) -> str:
    """Return the code first offered to a station named `name`: its first 12 ASCII letters and digits."""
    ascii_name = station_key(name).encode("ascii", "ignore").decode().upper()
    return "".join(char for char in ascii_name if char.isalnum())[:12] or "STATION"
