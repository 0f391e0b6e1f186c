"""What makes two usernames the same: one canonical key, used for every comparison.

A username is stored as typed once trimmed and put in Unicode's compatibility form (NFKC), so
that `alice` typed in fullwidth letters is stored as `alice`. Its key is that form case-folded
and normalised again: the form under which registration refuses a name already taken, login
finds its account, and the login and registration limits count attempts. No other comparison
of usernames exists.
"""

import re
import unicodedata

MAX_LENGTH = 150
# Django's own rule for usernames: letters, digits and @ . + - _.
ALLOWED = re.compile(r"^[\w.@+-]+\Z")


def username_normalised(username: str) -> str:
    """Return the username as it is stored: trimmed, in Unicode's compatibility form."""
    return unicodedata.normalize("NFKC", username.strip())


def username_key(username: str) -> str:
    """Return the key two spellings of one username share, and no two usernames do."""
    return unicodedata.normalize("NFKC", username_normalised(username).casefold())


def username_problems(username: str) -> list[str]:
    """Return why a normalised username may not be registered; empty when it may."""
    problems = []
    if len(username) > MAX_LENGTH or len(username_key(username)) > MAX_LENGTH:
        problems.append(f"Ensure the username has at most {MAX_LENGTH} characters once normalised.")
    if not ALLOWED.match(username):
        problems.append("Use only letters, digits and @/./+/-/_ characters.")
    return problems
