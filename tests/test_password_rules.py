"""Password rules by the NCSC's guidance: 12 characters or more, not a common password
(the shipped list, compared lower-cased), not containing the email's local part."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import TestConfig
from mhst import create_app
from mhst.accounts.password_rules import (
    COMMON_PASSWORD,
    CONTAINS_EMAIL,
    PasswordRuleError,
    check_password_rules,
    common_passwords,
    is_common,
)


@pytest.fixture(scope="module")
def rules_app(tmp_path_factory):
    """No database needed: the rules read only the configuration and the shipped list."""
    path = tmp_path_factory.mktemp("rules") / "rules.db"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        yield app


def refusal(password: str, email: str | None = None) -> str | None:
    try:
        check_password_rules(password, email=email)
    except PasswordRuleError as error:
        return error.message
    return None


def test_the_shipped_list_is_large_and_lower_case(rules_app):
    passwords = common_passwords()
    assert len(passwords) >= 10_000
    assert all(p == p.lower() and p.strip() == p and not p.startswith("#") for p in passwords)
    assert {"password", "123456", "qwertyuiop", "1qaz2wsx3edc"} <= passwords


LONG_COMMON = sorted(p for p in common_passwords() if len(p) >= 12 and len(set(p)) >= 4)


@pytest.mark.parametrize("password", [*LONG_COMMON[:5], "QWERTY123456", "1Qaz2Wsx3Edc"])
def test_a_long_common_password_is_refused_whatever_its_case(rules_app, password):
    assert refusal(password) == COMMON_PASSWORD


def test_spaces_do_not_hide_a_common_password(rules_app):
    assert refusal("qwerty 123456") == COMMON_PASSWORD


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(LONG_COMMON), st.lists(st.booleans(), min_size=40, max_size=40))
def test_any_casing_of_a_listed_password_is_refused(rules_app, password, upper):
    cased = "".join(c.upper() if flip else c for c, flip in zip(password, upper, strict=False))
    assert refusal(cased) == COMMON_PASSWORD


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=140))
def test_generated_passwords_meet_every_rule_or_get_one_message(rules_app, password):
    """The length boundary exactly: under 12 is too short, over 128 too long; what passes
    has 4+ different characters and is not on the list."""
    message = refusal(password)
    if len(password) < 12:
        assert message == "Password must be 12 characters or more"
    elif len(password) > 128:
        assert message == "Password must be 128 characters or fewer"
    elif message is None:
        assert len(set(password)) >= 4
        assert not is_common(password)
    else:
        assert message in {
            "Password must not repeat the same few characters",
            COMMON_PASSWORD,
        }


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=20))
def test_the_length_boundary_is_twelve(rules_app, length):
    password = "".join("abcdefghijklmnopqrstu"[i] for i in range(length))
    assert (refusal(password) is None) == (length >= 12)


@pytest.mark.parametrize(
    ("password", "email", "refused"),
    [
        ("sam.jones-is-my-password", "sam.jones@nhs.example", True),
        ("SAMJONES and some more words", "sam.jones@nhs.example", True),
        ("mountain river lantern", "sam.jones@nhs.example", False),
        # A local part under four characters is too common inside good passwords to refuse.
        ("jo went to the seaside", "jo@nhs.example", False),
    ],
)
def test_a_password_holding_the_email_local_part_is_refused(rules_app, password, email, refused):
    assert (refusal(password, email) == CONTAINS_EMAIL) is refused
