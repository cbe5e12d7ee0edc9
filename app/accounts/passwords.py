"""Password and one-time-code hashing with argon2id."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)

#: A hash of a random secret, checked when the account is unknown so both paths cost the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

#: Letters and digits that cannot be mistaken for one another on a printed sheet.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def hash_password(password: str) -> str:
    """Hash a password (or a one-time code) for storage."""
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def burn_time(password: str) -> None:
    """Do the work of one check, for unknown accounts (no timing oracle)."""
    check_password(None, password)


def new_one_time_code() -> str:
    """A 10-character code, printed on the sheet in two groups of five, easy to read aloud."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def normalise_code(text: str) -> str:
    """Codes are typed with or without dash and in any case."""
    return text.replace("-", "").replace(" ", "").upper()
