"""``flask create-admin``: make the first administrator of a new installation."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mhst.accounts import dormancy, mfa, operations
from mhst.accounts.models import Role
from mhst.extensions import db


@click.command("create-admin")
@click.option("--email", prompt="Email address", help="The administrator's email address.")
@click.option("--name", "full_name", prompt="Full name", help="The administrator's full name.")
@click.password_option(
    "--password",
    envvar="MHST_ADMIN_PASSWORD",
    help="Prompted for (hidden) unless given here or in MHST_ADMIN_PASSWORD.",
)
def create_admin(email: str, full_name: str, password: str) -> None:
    """Create an administrator account."""
    try:
        user = operations.create_user(
            email=email, full_name=full_name, role=Role.ADMINISTRATOR, password=password
        )
    except operations.AccountRuleError as error:  # a password rule too
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(
        f"Created administrator {user.email}. Sign in at /sign-in, and set up two-step "
        "sign-in with an authenticator app there."
    )


accounts_group = AppGroup("accounts", help="Look after user accounts.")


@accounts_group.command("disable-dormant")
def disable_dormant_command() -> None:
    """Deactivate accounts unused for ACCOUNT_DORMANT_DAYS (schedule it daily)."""
    users = dormancy.disable_dormant()
    db.session.commit()
    click.echo(f"Deactivated {len(users)} dormant account(s).")


@accounts_group.command("rotate-mfa-key")
def rotate_mfa_key_command() -> None:
    """Re-encrypt every authenticator secret with the first of MFA_ENCRYPTION_KEYS.

    Put the new key first in MFA_ENCRYPTION_KEYS (the old ones after it), run this, then
    drop the old keys. A secret no key opens is left alone and listed (exit status 1):
    reset that user's two-step sign-in."""
    done, unreadable = mfa.rotate_encryption_key()
    db.session.commit()
    click.echo(f"Re-encrypted {done} authenticator secret(s) with the first key.")
    if unreadable:
        emails = ", ".join(user.email for user in unreadable)
        raise click.ClickException(
            f"{len(unreadable)} secret(s) could not be decrypted with any key in "
            f"MFA_ENCRYPTION_KEYS and were left as they are: {emails}. Reset their "
            "two-step sign-in (Users, then the user's page), or add the key they used."
        )
