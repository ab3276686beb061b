"""Password policy and argon2id hashing."""

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from app.accounts import passwords, services
from app.accounts.passwords import PasswordProblem, WeakPassword, check_policy
from app.config import DefaultConfig
from app.extensions import db


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("elevenchars", PasswordProblem.TOO_SHORT),
        ("x" * 11, PasswordProblem.TOO_SHORT),
        ("y" * 129, PasswordProblem.TOO_LONG),
        ("password1234", PasswordProblem.COMMON),
        ("PASSWORD1234", PasswordProblem.COMMON),
        ("!!Qwerty123456", PasswordProblem.COMMON),
        ("123456789012", PasswordProblem.COMMON),
        ("abcdefghijklmnop", PasswordProblem.COMMON),
        ("zzzzzzzzzzzz", PasswordProblem.COMMON),
        ("121212121212", PasswordProblem.COMMON),
        ("Қазақстан2026!", PasswordProblem.COMMON),
        ("пароль123456", PasswordProblem.COMMON),
    ],
)
def test_policy_refuses(password, problem):
    with pytest.raises(WeakPassword) as caught:
        check_policy(password)
    assert caught.value.problem is problem


@pytest.mark.parametrize(
    "password",
    ["x" * 5 + "y" * 7, "correct horse battery staple", "Т" * 64 + " emoji 🔐", "z" * 127 + "q",
     "7391 0462 8815"],
)
def test_policy_accepts(password):
    check_policy(password)


def test_shipped_list_is_loaded_and_lower_case():
    common = passwords.common_passwords()
    assert len(common) > 200
    assert all(entry == entry.lower() for entry in common)


def test_default_hash_is_argon2id_with_rfc_9106_cost():
    hasher = passwords.make_hasher(
        DefaultConfig.PBI_ARGON2_TIME_COST, DefaultConfig.PBI_ARGON2_MEMORY_COST,
        DefaultConfig.PBI_ARGON2_PARALLELISM,
    )
    digest = hasher.hash("correct horse battery staple")
    params = extract_parameters(digest)
    assert params.type is Type.ID
    assert params.memory_cost >= 65536 and params.time_cost >= 3
    assert passwords.verify(hasher, digest, "correct horse battery staple")
    assert not passwords.verify(hasher, digest, "correct horse battery stapler")
    assert not passwords.verify(hasher, "not a hash", "anything")


def test_login_upgrades_a_weaker_hash(app, make_user):
    email = make_user()
    with app.app_context():
        user = services.find_by_email(email)
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(
            "correct horse battery staple"
        )
        db.session.commit()
        app.config["PBI_ARGON2_TIME_COST"] = 2
        app.extensions.pop("pbi_password_hasher")
        services.authenticate(email, "correct horse battery staple")
        db.session.commit()
        assert extract_parameters(services.find_by_email(email).password_hash).time_cost == 2
