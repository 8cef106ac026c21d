"""Officer passwords get production's argon2id parameters (argon2-cffi's defaults, RFC 9106's
second recommended profile). Every other test hashes at the lowest cost
(``cheap_password_hashes`` in ``tests/conftest.py``); these tests put production's hasher back.
They are service tests on the rolled-back ``db_session``."""

from __future__ import annotations

from argon2 import PasswordHasher

from optout.accounts import officers
from optout.models import Officer
from tests.helpers.officers import EMAIL, PASSWORD

PRODUCTION = "$argon2id$v=19$m=65536,t=3,p=4$"


def test_a_new_officer_password_is_hashed_with_productions_parameters(db_session, production_hasher):
    officer = officers.add_officer(db_session, EMAIL, PASSWORD)
    assert officer.password_hash.startswith(PRODUCTION)
    assert production_hasher.verify(officer.password_hash, PASSWORD)
    assert officers.authenticate(db_session, EMAIL, PASSWORD).ok


def test_a_login_rehashes_a_password_hashed_with_other_parameters(db_session, production_hasher):
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    officer = Officer(email=EMAIL, password_hash=cheap)
    db_session.add(officer)
    db_session.flush()
    assert not officers.authenticate(db_session, EMAIL, "not the password").ok
    assert officer.password_hash == cheap  # a failed login changes no hash
    assert officers.authenticate(db_session, EMAIL, PASSWORD).ok
    assert officer.password_hash.startswith(PRODUCTION)
    assert officers.authenticate(db_session, EMAIL, PASSWORD).ok
