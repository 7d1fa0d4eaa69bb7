"""Authenticator secrets encrypted at rest: user_account.totp_secret becomes
totp_secret_encrypted (a Fernet token, longer than the secret), and every secret already
there is encrypted with the app's configured keys (mhst/core/encryption.py).

Set MFA_ENCRYPTION_KEYS before ``flask db upgrade`` in production: the upgrade encrypts
with the first key, and the app must later decrypt with the same keys. The downgrade
decrypts every secret back into totp_secret, and stops (changing nothing) if a key that
encrypted one is no longer in MFA_ENCRYPTION_KEYS.

Revision ID: 0039_totp_encryption
Revises: 0038_integrity
Create Date: 2026-12-06
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import InvalidToken, MultiFernet

from mhst.core import encryption

revision: str = "0039_totp_encryption"
down_revision: str | None = "0038_integrity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _convert(column: str, change: Callable[[str], str]) -> None:
    """Rewrite every non-empty value of user_account.``column`` with ``change``."""
    bind = op.get_bind()
    table = sa.table("user_account", sa.column("id", sa.Integer()), sa.column(column, sa.String()))
    rows = bind.execute(
        sa.select(table.c.id, table.c[column]).where(table.c[column].is_not(None))
    ).all()
    for user_id, value in rows:
        bind.execute(table.update().where(table.c.id == user_id).values({column: change(value)}))


def upgrade() -> None:
    cipher = encryption.cipher()  # refuses here, before any change, without the keys
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            new_column_name="totp_secret_encrypted",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )
    _convert("totp_secret_encrypted", lambda plain: cipher.encrypt(plain.encode()).decode())


def _decrypt(token: str, cipher: MultiFernet) -> str:
    try:
        return cipher.decrypt(token.encode()).decode()
    except InvalidToken as error:  # stop with a message an operator can act on
        raise RuntimeError(
            "Cannot downgrade 0039_totp_encryption: an authenticator secret does not decrypt "
            "with MFA_ENCRYPTION_KEYS (add the key it was encrypted with, or reset that "
            "user's two-step sign-in first)"
        ) from error


def downgrade() -> None:
    cipher = encryption.cipher()
    _convert("totp_secret_encrypted", lambda token: _decrypt(token, cipher))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret_encrypted",
            new_column_name="totp_secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
