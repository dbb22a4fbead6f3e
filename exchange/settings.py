"""Django settings for the exchange (API.md, "Environment").

Everything that differs between deployments comes from the environment via
``exchange.env``. With no environment at all the exchange runs embedded:
SQLite in the data directory, the in-memory channel layer and a local-memory
cache. Everything durable lives under ``EXCHANGE_DATA_DIR`` (or in PostgreSQL).
"""

from pathlib import Path

from exchange.env import (
    env_bool,
    env_choice,
    env_database,
    env_list,
    env_path,
    env_str,
    env_url,
)
from exchange.secret_key import secret_key_kept_in

BASE_DIR = Path(__file__).resolve().parent.parent

# The journal (journal/), snapshots (snapshots/) and, embedded, the SQLite database.
EXCHANGE_DATA_DIR = env_path("EXCHANGE_DATA_DIR", Path("var"), base=BASE_DIR)
EXCHANGE_DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# Unset: generated once and kept in the data directory, so restarts keep sessions valid.
SECRET_KEY = env_str("SECRET_KEY", "") or secret_key_kept_in(EXCHANGE_DATA_DIR)
# Loopback is always served; EXCHANGE_ALLOWED_HOSTS adds public names.
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", *env_list("EXCHANGE_ALLOWED_HOSTS", [])]

# The matcher's journal policy: fsync every batch before answering, every few ms, or never.
EXCHANGE_FSYNC = env_choice("EXCHANGE_FSYNC", "always", choices=("always", "interval", "off"))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "exchange",
    "accounts",
    "fees",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "exchange.urls"
ASGI_APPLICATION = "exchange.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env_database("DATABASE_URL", f"sqlite:///{EXCHANGE_DATA_DIR / 'db.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", None, schemes={"redis", "rediss", "unix"})

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        },
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
