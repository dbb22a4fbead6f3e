"""Users of the exchange. A custom user model from the start, so it can grow without pain."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A trader or an admin. Their id is the user id the matching engine knows."""
