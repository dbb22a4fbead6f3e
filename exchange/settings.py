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
    env_int,
    env_list,
    env_networks,
    env_origins,
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
# Former secret keys, newest first: sessions and API key secrets made under them still work
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
# Loopback is always served; EXCHANGE_ALLOWED_HOSTS adds public names.
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", *env_list("EXCHANGE_ALLOWED_HOSTS", [])]

# HTTPS behind a proxy (issue 18)
# EXCHANGE_SECURE_PROXY: a TLS-terminating proxy in front sets `X-Forwarded-Proto: https` on
# requests that came over HTTPS (and drops the header clients send), so a request is secure
# when that header says so. It also means the exchange is served over HTTPS; EXCHANGE_HTTPS
# says that alone (TLS ended by daphne itself, or a proxy that sets no header). Served over
# HTTPS: cookies only over HTTPS, and HSTS for EXCHANGE_HSTS_SECONDS (a year; 0: none).
EXCHANGE_SECURE_PROXY = env_bool("EXCHANGE_SECURE_PROXY", False)
EXCHANGE_HTTPS = env_bool("EXCHANGE_HTTPS", EXCHANGE_SECURE_PROXY)
if EXCHANGE_SECURE_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The origins a browser's unsafe request (a POST of the login form, of the admin) may come
# from besides the request's own host, e.g. `https://exchange.example.com`
CSRF_TRUSTED_ORIGINS = env_origins("EXCHANGE_CSRF_TRUSTED_ORIGINS", [])
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = EXCHANGE_HTTPS
SECURE_HSTS_SECONDS = env_int("EXCHANGE_HSTS_SECONDS", 31_536_000 if EXCHANGE_HTTPS else 0)
# Plain-HTTP requests redirected to HTTPS (off by default: health checks and the loopback
# usually speak plain HTTP to the process)
SECURE_SSL_REDIRECT = env_bool("EXCHANGE_SSL_REDIRECT", False)

# The matcher process's event loop (run_matcher): the dotted path of a loop factory. uvloop's
# takes about 45 % more commands a second over Redis than asyncio's, for the same CPU per
# command (README "Performance"); "asyncio.new_event_loop" is the standard library's.
EXCHANGE_MATCHER_LOOP = env_str("EXCHANGE_MATCHER_LOOP", "uvloop.new_event_loop")
# The matcher's journal policy: fsync every batch before answering, every few ms, or never.
EXCHANGE_FSYNC = env_choice("EXCHANGE_FSYNC", "always", choices=("always", "interval", "off"))
# Snapshots of the matcher's state: after this many trades or seconds, whichever is first.
EXCHANGE_SNAPSHOT_EVERY_TRADES = env_int("EXCHANGE_SNAPSHOT_EVERY_TRADES", 1000)
EXCHANGE_SNAPSHOT_EVERY_SECONDS = env_int("EXCHANGE_SNAPSHOT_EVERY_SECONDS", 300)
EXCHANGE_SNAPSHOT_MIN_SECONDS = env_int("EXCHANGE_SNAPSHOT_MIN_SECONDS", 30)
# the engine forgets a client_order_id once its order has been in the database this long;
# the API then finds repeats there (matching/client_id_retention.py)
EXCHANGE_CLIENT_ID_HOLD_SECONDS = env_int("EXCHANGE_CLIENT_ID_HOLD_SECONDS", 60)
# the persister writes at most this often, gathering commands in between (matching/persister.py)
EXCHANGE_PERSIST_GATHER_MS = env_int("EXCHANGE_PERSIST_GATHER_MS", 20)
# New orders are refused (503 service_busy) while the database is this far behind the matcher
# or this many commands wait for it; cancels are still taken (matching/service/persister.py)
EXCHANGE_PERSIST_MAX_LAG_SECONDS = env_int("EXCHANGE_PERSIST_MAX_LAG_SECONDS", 30)
EXCHANGE_PERSIST_MAX_QUEUE = env_int("EXCHANGE_PERSIST_MAX_QUEUE", 200_000)
# Journal segments no longer needed for recovery are moved here instead of deleted, if set
EXCHANGE_JOURNAL_ARCHIVE_DIR = env_str("EXCHANGE_JOURNAL_ARCHIVE_DIR", "")
# `GET /metrics` answers only clients in these networks (the socket peer's address)
EXCHANGE_METRICS_ALLOW = env_networks("EXCHANGE_METRICS_ALLOW", ["127.0.0.0/8", "::1"])
# A user's read waits at most this long for the database to show their acknowledged commands
# (exchange/services/read_fence.py), then answers 503 service_busy
EXCHANGE_READ_WAIT_MS = env_int("EXCHANGE_READ_WAIT_MS", 2000)
# How long a caller waits for the matcher's answer before giving up (503); the command
# carries this deadline and the matcher drops it unexecuted once it has passed.
EXCHANGE_MATCHER_TIMEOUT_MS = env_int("EXCHANGE_MATCHER_TIMEOUT_MS", 5000)

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
    "adrf",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "exchange",
    "accounts",
    "fees",
    "audit",
    "matching.service",
]

AUTH_USER_MODEL = "accounts.User"

# Django's usual middleware, its hooks run on the event loop (exchange/middleware.py)
MIDDLEWARE = [
    "exchange.middleware.Security",
    "exchange.middleware.Session",
    "exchange.middleware.Common",
    "exchange.middleware.Csrf",
    "exchange.middleware.Authentication",
    "exchange.middleware.Messages",
    "exchange.middleware.XFrameOptions",
]

ROOT_URLCONF = "exchange.urls"
# CSRF failures under /api/ answer with the API's error envelope.
CSRF_FAILURE_VIEW = "exchange.api.errors.csrf_failure"
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded exchange reads (views) while the persister writes: WAL lets readers run
    # beside the writer, and IMMEDIATE transactions wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )

# Database connections and read caches (issue 18)
# PostgreSQL connections are kept and reused for EXCHANGE_DB_CONN_MAX_AGE seconds (0: one
# per request, as Django's default), checked before reuse and dropped when dead; SQLite
# (the embedded default) opens a file, which costs little, and keeps Django's default.
# The 24 h ticker's figures and the matchers' reports are computed at most once per
# interval below in each process, however many clients ask.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("EXCHANGE_DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The order path's one-row reads (is a client_order_id new? a cancelled order's status):
# PostgreSQL is asked from the event loop itself, on its own psycopg connections; any other
# database on a shared thread (exchange/selectors/loop_reads.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    EXCHANGE_LOOP_READS = {
        "BACKEND": "exchange.selectors.loop_reads.PsycopgOnLoop",
        # off behind a pooler that cannot keep prepared statements (PgBouncer < 1.21 in
        # transaction mode)
        "OPTIONS": {"prepared": env_bool("EXCHANGE_DB_PREPARED_READS", True)},
    }
else:
    EXCHANGE_LOOP_READS = {"BACKEND": "exchange.selectors.loop_reads.OnSharedThread"}
EXCHANGE_TICKER_CACHE_SECONDS = 1.0
# how long a ticker waits for the cached book to reach its last trade (exchange/services/ticker.py)
EXCHANGE_TICKER_BOOK_WAIT_SECONDS = 2.0
EXCHANGE_MATCHER_REPORT_CACHE_SECONDS = 1.0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# How many commands may wait for the matcher before senders are told it is full.
MATCHER_QUEUE_CAPACITY = 100_000

REDIS_URL = env_url("REDIS_URL", None, schemes={"redis", "rediss", "unix"})

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # the matcher's transport (matching/service/transport.py) over Redis:
            # channels-redis's layer with fewer round trips per message
            "BACKEND": "matching.service.transport_redis.RedisTransport",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, the same as
                # channels-redis's blocking BZPOPMIN: give the socket more room than that.
                # Its pool refuses (MaxConnectionsError) rather than waits past
                # max_connections (100 by default): each message in flight holds one, and
                # a busy server has more than 100 orders in flight.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "max_connections": 2000}],
                "capacity": 1000,
                "channel_capacity": {"matching*": MATCHER_QUEUE_CAPACITY},
            },
        },
    }
    CACHES = {
        "default": {
            # Django's RedisCache, its connection pool shared by the whole process
            "BACKEND": "exchange.cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
        },
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    CHANNEL_LAYERS = {
        "default": {
            # the matcher's transport in this process's memory: Channels' in-memory layer,
            # safe across threads and event loops
            "BACKEND": "matching.service.transport_memory.InMemoryTransport",
            "CONFIG": {"capacity": MATCHER_QUEUE_CAPACITY},
        }
    }
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
# `runexchange` serves static files itself, straight from the apps' static/ folders
# (ASGIStaticFilesHandler): no collectstatic step. A deployment behind a web server may
# `collectstatic` into STATIC_ROOT and serve that instead.
STATIC_ROOT = EXCHANGE_DATA_DIR / "static"

# Sign-up credits demo funds (exchange/services/signup.py) only where this is on.
EXCHANGE_DEMO_FUNDS = env_bool("EXCHANGE_DEMO_FUNDS", False)

CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# The REST API (API.md): JSON only, API keys or the browser's session, one error envelope.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [
        "exchange.api.throttling.ApiKeyRateThrottle",
        "exchange.api.throttling.IpRateThrottle",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "exchange.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests a second per API key, and per client IP for requests without a key.
EXCHANGE_RATE_PER_KEY = env_int("EXCHANGE_RATE_PER_KEY", 100)
EXCHANGE_RATE_PER_IP = env_int("EXCHANGE_RATE_PER_IP", 20)

# Client address and limits (issue 18)
# Proxies whose X-Forwarded-For is believed (addresses or CIDRs; none by default: the peer
# is the client). exchange/client_address.py: REST, the socket, the login pages, /metrics.
EXCHANGE_TRUSTED_PROXIES = env_networks("EXCHANGE_TRUSTED_PROXIES", [])
# Where the rate limits and lockouts count (exchange/api/rate_store.py): Redis, shared by
# every web process, when there is one; else this process's memory.
if REDIS_URL:
    EXCHANGE_RATE_STORE = {
        "BACKEND": "exchange.api.rate_redis.RedisWindow",
        "OPTIONS": {"location": REDIS_URL},
    }
else:
    EXCHANGE_RATE_STORE = {"BACKEND": "exchange.api.rate_window.SlidingWindow"}
# A failed authentication under /api/ counts against the address's EXCHANGE_RATE_PER_IP;
# over it, the address is refused before its credentials are checked.
MIDDLEWARE = [*MIDDLEWARE, "exchange.api.address_gate.AddressGate"]
# Login, sign-up and admin login (exchange/login_guard.py): POSTs per client address a
# minute; failed logins per username and address within the window before a lockout.
EXCHANGE_LOGIN_ATTEMPTS_PER_MINUTE = env_int("EXCHANGE_LOGIN_ATTEMPTS_PER_MINUTE", 30)
EXCHANGE_LOGIN_MAX_FAILURES = env_int("EXCHANGE_LOGIN_MAX_FAILURES", 5)
EXCHANGE_LOGIN_FAILURE_WINDOW_S = env_int("EXCHANGE_LOGIN_FAILURE_WINDOW_S", 900)
EXCHANGE_LOGIN_LOCKOUT_S = env_int("EXCHANGE_LOGIN_LOCKOUT_S", 900)
# How far a signed request's timestamp may be from the server's clock.
EXCHANGE_SIGNATURE_WINDOW_MS = 5000
# Where the signatures already used are remembered, each signed request being single-use
# (accounts/replay_guard.py): Redis, shared by every process, when REDIS_URL is set, else
# this process's memory.
EXCHANGE_SIGNATURE_STORE = (
    {"BACKEND": "accounts.replay_guard.RedisSignatures", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "accounts.replay_guard.MemorySignatures", "OPTIONS": {"MAX_ENTRIES": 200_000}}
)

# The WebSocket API (/ws/v1, exchange/consumers/).
# A heartbeat goes to a connection that was sent nothing for this long.
EXCHANGE_WS_HEARTBEAT_MS = env_int("EXCHANGE_WS_HEARTBEAT_MS", 10_000)
# Messages waiting for one client; a client further behind is disconnected (slow_consumer).
EXCHANGE_WS_QUEUE_SIZE = env_int("EXCHANGE_WS_QUEUE_SIZE", 2000)
# ... and the bytes of those messages (as sent), so big ones cannot pile up either
EXCHANGE_WS_QUEUE_BYTES = env_int("EXCHANGE_WS_QUEUE_BYTES", 8 * 1024 * 1024)
# The largest client message read, and what one connection may hold.
EXCHANGE_WS_MAX_MESSAGE_BYTES = env_int("EXCHANGE_WS_MAX_MESSAGE_BYTES", 16_384)
EXCHANGE_WS_MAX_SUBSCRIPTIONS = env_int("EXCHANGE_WS_MAX_SUBSCRIPTIONS", 100)
EXCHANGE_WS_MAX_PENDING_REQUESTS = env_int("EXCHANGE_WS_MAX_PENDING_REQUESTS", 32)
# Messages other than orders (subscribe, unsubscribe, auth, ping) a connection may send a
# second (twice that in a burst), then `rate_limited`; orders have the per-key REST limit
EXCHANGE_WS_MESSAGES_PER_SECOND = env_int("EXCHANGE_WS_MESSAGES_PER_SECOND", 20)
# Open sockets per client address and web process; more are refused at the handshake
EXCHANGE_WS_MAX_PER_ADDRESS = env_int("EXCHANGE_WS_MAX_PER_ADDRESS", 100)
# The kernel's send buffer of each WebSocket (bytes; 0: the system's own sizing): smaller
# means a client that stopped reading is noticed, and cut off, after less data.
EXCHANGE_WS_SEND_BUFFER_BYTES = env_int("EXCHANGE_WS_SEND_BUFFER_BYTES", 0)
# Cancel on disconnect when a web process dies (exchange/consumers/liveness.py): a process
# with cancel-on-disconnect sockets stamps itself alive every quarter of this; once a stamp
# is this old, the matchers cancel what those sockets placed (within about a second more)
EXCHANGE_WS_LIVENESS_TTL_MS = env_int("EXCHANGE_WS_LIVENESS_TTL_MS", 8000)
# Where the stamps and those sockets' orders are kept (exchange/services/
# disconnect_registry.py), as Django's CACHES: Redis, shared by the web processes and the
# matchers, when REDIS_URL is set; else this process's memory (the embedded exchange is one
# process: a dead web process is a dead matcher too).
EXCHANGE_DISCONNECT_REGISTRY = (
    {"BACKEND": "exchange.services.disconnect_registry_redis.RedisRegistry", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "exchange.services.disconnect_registry.MemoryRegistry"}
)

# How long the admin's transfer form waits for the matcher's outcome (done or refused) to
# show it; past that it says the transfer is still pending.
EXCHANGE_ADMIN_TRANSFER_WAIT_MS = env_int("EXCHANGE_ADMIN_TRANSFER_WAIT_MS", 5000)

SPECTACULAR_SETTINGS = {
    "TITLE": "Exchange API",
    "DESCRIPTION": "REST API of the spot exchange (API.md). Decimals are strings.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"SideEnum": ["buy", "sell"]},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "exchange.api.schema.add_common_errors",
        "exchange.api.schema.mark_public",
    ],
}
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
