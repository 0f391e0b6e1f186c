"""Booking codes (PNRs): ten characters of Crockford's base 32, drawn at random.

Fifty random bits make a code that tells nothing of any other booking and that nobody can
guess: among a billion bookings, one guess in a million finds one. Crockford's alphabet has no
I, L, O or U, so a code read aloud or copied by hand survives: `pnr_normalise` reads lower case,
I and L as 1, O as 0, and ignores dashes and spaces.
"""

import secrets

PNR_LENGTH = 10
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def pnr_new() -> str:
    """Return a fresh random code; the database's unique index refuses one that is already a booking's."""
    return "".join(secrets.choice(ALPHABET) for _ in range(PNR_LENGTH))


def pnr_normalise(text: str) -> str | None:
    """Return the code `text` spells, as stored; None when it cannot be one."""
    code = text.upper().translate(_READ_AS)
    if len(code) != PNR_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code
