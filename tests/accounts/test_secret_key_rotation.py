"""Rotating SECRET_KEY as Django rotates it (the old one moved to SECRET_KEY_FALLBACKS) keeps
every API key working: its secret, encrypted under the old key, still decrypts; new keys are
encrypted under the new one (accounts/api_keys.py)."""

from __future__ import annotations

import pytest
from cryptography.fernet import InvalidToken
from django.contrib.auth import get_user_model

from accounts.api_keys import api_key_create, api_key_secret

pytestmark = pytest.mark.django_db


def test_a_key_made_before_a_rotation_still_decrypts(settings) -> None:
    user = get_user_model().objects.create_user("rotating")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "old-" + "k" * 50, []
    old_key, old_secret = api_key_create(user=user)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + "k" * 50, ["old-" + "k" * 50]
    new_key, new_secret = api_key_create(user=user)

    assert api_key_secret(old_key) == old_secret
    assert api_key_secret(new_key) == new_secret
    settings.SECRET_KEY_FALLBACKS = []  # the old key dropped: only new keys still work
    assert api_key_secret(new_key) == new_secret
    with pytest.raises(InvalidToken):
        api_key_secret(old_key)
