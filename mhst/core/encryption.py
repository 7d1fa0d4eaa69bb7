"""Secrets encrypted at rest: the authenticator apps' TOTP secrets (mhst/accounts/mfa.py).

Fernet (AES-128-CBC with an HMAC-SHA256, from ``cryptography``) under the keys in
``MFA_ENCRYPTION_KEYS``: comma-separated Fernet keys, the first encrypting and every one
decrypting (MultiFernet), so a new key goes first, ``flask accounts rotate-mfa-key``
re-encrypts every secret with it, and the old key is then dropped. Production refuses to
start without the setting; development and test, when it is unset, derive one key from
``SECRET_KEY`` (the same key every time, so their databases stay readable).

A new key: the command in NEW_KEY_HINT (the startup error prints it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app, has_app_context

KEYS_SETTING = "MFA_ENCRYPTION_KEYS"
# The derived key is this label's HMAC under SECRET_KEY: never the SECRET_KEY itself.
DERIVATION_LABEL = b"mhst-case-manager mfa-encryption-key v1"
NEW_KEY_HINT = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class EncryptionKeyError(ValueError):
    """The keys are missing or are not Fernet keys: the app must not start."""


class UnreadableSecret(Exception):
    """A stored secret that none of the keys decrypts (a key dropped too soon, or the
    value changed in the database). mhst.core.errors shows a page saying what to do."""


def derived_key(secret_key: str) -> str:
    """A Fernet key derived from ``SECRET_KEY`` (development and test only)."""
    digest = hmac.new(secret_key.encode(), DERIVATION_LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


def keys_from_config(config: Mapping) -> list[str]:
    """The keys ``config`` names, first the one that encrypts; or why it cannot have any."""
    listed = [key.strip() for key in (config.get(KEYS_SETTING) or "").split(",") if key.strip()]
    if not listed:
        if config.get("MFA_ENCRYPTION_KEYS_REQUIRED", True):
            raise EncryptionKeyError(
                f"{KEYS_SETTING} must be set in production: one or more Fernet keys, "
                "comma-separated, the first encrypting the authenticator secrets (make one "
                f"with: {NEW_KEY_HINT}). Set it before running flask db upgrade."
            )
        listed = [derived_key(config.get("SECRET_KEY") or "")]
    for position, key in enumerate(listed, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise EncryptionKeyError(
                f"{KEYS_SETTING}: key {position} of {len(listed)} is not a Fernet key "
                f"(32 bytes in URL-safe base64, 44 characters; make one with: {NEW_KEY_HINT})"
            ) from None
    return listed


def cipher(config: Mapping | None = None) -> MultiFernet:
    """The keys of ``config``, else of the current app, else of the settings class
    ``MHST_ENV`` names (a migration run without an app)."""
    if config is None:
        if has_app_context():
            config = current_app.config
        else:
            from mhst.settings import config_from_env

            settings = config_from_env()
            config = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    return MultiFernet([Fernet(key) for key in keys_from_config(config)])


def encrypt(plain: str | None, config: Mapping | None = None) -> str | None:
    if plain is None:
        return None
    return cipher(config).encrypt(plain.encode()).decode()


def decrypt(token: str | None, config: Mapping | None = None) -> str | None:
    """The secret in ``token``; UnreadableSecret if no key opens it."""
    if token is None:
        return None
    try:
        return cipher(config).decrypt(token.encode()).decode()
    except (InvalidToken, UnicodeError) as error:
        raise UnreadableSecret("no MFA_ENCRYPTION_KEYS key decrypts this secret") from error


def reencrypt(token: str, config: Mapping | None = None) -> str:
    """``token`` encrypted again with the first key (it may be already)."""
    try:
        return cipher(config).rotate(token.encode()).decode()
    except InvalidToken as error:
        raise UnreadableSecret("no MFA_ENCRYPTION_KEYS key decrypts this secret") from error
