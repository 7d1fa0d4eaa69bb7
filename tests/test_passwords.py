"""Password hashes: Argon2id at the configured strength (full strength unless configured),
and an unknown email costs the same Argon2 work as a wrong password."""

from argon2 import PasswordHasher, extract_parameters

from config import ProductionConfig
from mhst import create_app
from mhst.accounts.passwords import _dummy_hash, _hasher, hash_password, verify_password
from tests.conftest import PRODUCTION_MFA_KEYS


def _parameters_in_app(app):
    with app.app_context():
        real = extract_parameters(hash_password("a real password"))
        dummy = extract_parameters(_dummy_hash(_hasher()))
    return real, dummy


def test_the_tests_hash_at_their_configured_strength(app):
    real, dummy = _parameters_in_app(app)
    assert (real.time_cost, real.memory_cost) == (
        app.config["ARGON2_TIME_COST"],
        app.config["ARGON2_MEMORY_COST"],
    )
    assert dummy == real


def test_production_hashes_at_full_strength_and_so_does_the_dummy(tmp_path):
    app = create_app(
        ProductionConfig,
        RATELIMIT_STORAGE_URI="memory://",  # one process: no Redis needed
        SECRET_KEY="k" * 64,
        MFA_ENCRYPTION_KEYS=PRODUCTION_MFA_KEYS,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
    )
    real, dummy = _parameters_in_app(app)
    full = extract_parameters(PasswordHasher().hash("x"))
    assert real == dummy == full


def test_a_hash_verifies_only_its_own_password(app):
    with app.app_context():
        stored = hash_password("correct horse battery staple")
        assert verify_password(stored, "correct horse battery staple")
        assert not verify_password(stored, "Correct horse battery staple")
        assert not verify_password("not a hash", "correct horse battery staple")
