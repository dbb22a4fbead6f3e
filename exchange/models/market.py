"""A market as admins configure it; the matcher holds the live copy and must agree with it."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from exchange.models.fields import decimal_field, plain
from matching.service.protocol import matcher_channel

ASSET = RegexValidator(r"^[A-Z0-9]{1,12}$", "An asset is 1 to 12 capital letters or digits.")
# A symbol as clients may write it (any case); checked before any query uses it.
SYMBOL_SHAPE = re.compile(r"[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}")
SHARD = RegexValidator(r"^[a-z0-9_]{0,32}$", "A shard name is lower-case letters, digits, _.")
BREAKER_SECONDS_MAX = 86400  # a breaker's window and pause: 1 s to a day (the engine's range)


def at_most_8_places(value: Decimal) -> None:
    """A percentage the engine takes: at most 8 decimal places."""
    if value != value.quantize(Decimal("1e-8")):
        raise ValidationError("Give at most 8 decimal places.", code="max_decimal_places")


def canonical_symbol(text: object) -> str | None:
    """`text` as a symbol is stored (`btc-usdt` -> `BTC-USDT`), or None if it cannot be one."""
    if isinstance(text, str) and SYMBOL_SHAPE.fullmatch(text):
        return text.upper()
    return None


def shards_in_use() -> list[str]:
    """The default shard ("") and every shard that runs a market, sorted."""
    return sorted({"", *Market.objects.values_list("shard", flat=True).distinct()})


def shards_known() -> list[str]:
    """`shards_in_use()`, or just the default shard when the database cannot say."""
    try:
        return shards_in_use()
    except Exception:
        return [""]


class Market(models.Model):
    class Status(models.TextChoices):
        TRADING = "trading"
        HALTED = "halted"

    symbol = models.CharField(max_length=25, unique=True, editable=False)
    base = models.CharField(max_length=12, validators=[ASSET])
    quote = models.CharField(max_length=12, validators=[ASSET])
    tick_size = decimal_field(help_text="Prices are whole multiples of this.")
    lot_size = decimal_field(help_text="Quantities are whole multiples of this.")
    min_qty = decimal_field(null=True, blank=True, help_text="Empty: one lot.")
    min_notional = decimal_field(default=Decimal(0))
    quote_precision = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(0), MaxValueValidator(18)]
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.TRADING)
    price_band_pct = decimal_field(
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("999.99999999"))],
        help_text="Orders priced further than this percentage from the last trade (or the mid "
        "before any trade) are refused price_out_of_band; market orders stop at that edge. "
        "0: no band.",
    )
    max_open_orders = models.PositiveIntegerField(
        default=200,
        help_text="Live orders (resting or waiting stops) one user may have here; more are "
        "refused too_many_orders. 0: no limit.",
    )
    # the circuit breaker (API.md, "Market safety"), off while breaker_move_pct is 0
    breaker_move_pct = decimal_field(
        default=Decimal(0),
        validators=[
            MinValueValidator(Decimal(0)),
            MaxValueValidator(Decimal("999.99999999")),
            at_most_8_places,
        ],
        help_text="A trade that would move the price further than this percentage from the "
        "price at the start of the breaker's window pauses the market. 0: no breaker.",
    )
    breaker_window_s = models.PositiveIntegerField(
        default=300,
        validators=[MinValueValidator(1), MaxValueValidator(BREAKER_SECONDS_MAX)],
        help_text="Seconds: the move is measured from the price this long ago.",
    )
    breaker_pause_s = models.PositiveIntegerField(
        default=300,
        validators=[MinValueValidator(1), MaxValueValidator(BREAKER_SECONDS_MAX)],
        help_text="Seconds the market pauses when the breaker trips; orders are refused "
        "symbol_paused meanwhile, cancels are taken.",
    )
    breaker_auction_s = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(BREAKER_SECONDS_MAX)],
        help_text="The last seconds of a pause, during which limit orders are collected for "
        "the call auction that reopens the market (at most the pause). 0: none, the whole "
        "pause refuses orders.",
    )
    shard = models.CharField(
        max_length=32,
        blank=True,
        default="",
        validators=[SHARD],
        help_text="The matcher shard that runs this market; empty for the default matcher.",
    )
    # raised by every change; the matcher applies each version once (matching/config_sync.py)
    version = models.PositiveIntegerField(default=1, editable=False)
    matcher_error = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text="Why the matcher refused this market's latest version, if it did.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tick_size__gt=0),
                name="market_tick_positive",
                violation_error_message="The tick size must be more than 0.",
            ),
            models.CheckConstraint(
                condition=Q(lot_size__gt=0),
                name="market_lot_positive",
                violation_error_message="The lot size must be more than 0.",
            ),
            models.CheckConstraint(
                condition=Q(min_qty__isnull=True) | Q(min_qty__gt=0),
                name="market_min_qty_positive",
                violation_error_message="The minimum quantity must be more than 0 (or empty).",
            ),
            models.CheckConstraint(
                condition=Q(min_notional__gte=0),
                name="market_min_notional_not_negative",
                violation_error_message="The minimum notional cannot be negative.",
            ),
            models.CheckConstraint(
                condition=~Q(base=models.F("quote")),
                name="market_two_assets",
                violation_error_message="The base and the quote must be two different assets.",
            ),
        ]

    def __str__(self) -> str:
        return self.symbol

    def clean(self) -> None:
        super().clean()
        pause, auction = self.breaker_pause_s, self.breaker_auction_s
        if pause is not None and auction is not None and auction > pause:
            raise ValidationError(
                {"breaker_auction_s": f"The auction is part of the pause: at most {pause} s."}
            )

    def save(self, *args, **kwargs) -> None:
        self.symbol = f"{self.base}-{self.quote}"
        super().save(*args, **kwargs)

    @property
    def channel(self) -> str:
        """The Channels channel of the matcher that runs this market."""
        return matcher_channel(self.shard)

    def engine_spec(self) -> dict:
        """The market as the engine's `symbol` command defines it (SPEC.md §1)."""
        return {
            "symbol": f"{self.base}-{self.quote}",
            "base": self.base,
            "quote": self.quote,
            "tick_size": plain(self.tick_size),
            "lot_size": plain(self.lot_size),
            "min_qty": plain(self.min_qty if self.min_qty is not None else self.lot_size),
            "min_notional": plain(self.min_notional),
            "quote_precision": self.quote_precision,
            "status": self.status,
            "max_open_orders": self.max_open_orders,
            "price_band_pct": plain(self.price_band_pct),
            "breaker_move_pct": plain(self.breaker_move_pct),
            "breaker_window_s": self.breaker_window_s,
            "breaker_pause_s": self.breaker_pause_s,
            # the auction is part of the pause (the engine refuses a longer one)
            "breaker_auction_s": min(self.breaker_auction_s, self.breaker_pause_s),
            "version": self.version,
        }
