"""Admin of markets, orders, trades and the matcher's bookkeeping.

A change of an existing market is applied by the matcher before it is saved
(exchange/services/markets.py); a refusal (or silence) shows on the form and nothing is
saved. A new market needs no command: the matcher picks it up from the database within a
second (config sync). Every change, halt and resume is written to the audit trail.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from audit import actions as audit_actions
from audit.admin import AuditedModelAdmin
from audit.services import audit_record
from exchange.admin_decimals import decimal_column
from exchange.admin_read_only import ReadOnlyAdmin
from exchange.errors import MarketChangeRefused
from exchange.models import (
    Market,
    MarketStatus,
    MatcherState,
    Order,
    OrderEvent,
    Trade,
    TradingStop,
)
from exchange.models.order import OPEN_STATUSES
from exchange.services.markets import market_change_apply
from matching.engine.market import Market as EngineMarket
from matching.engine.market import MarketSpecError
from matching.service.reasons import reason_of


class MarketForm(forms.ModelForm):
    class Meta:
        model = Market
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is None:
            self._clean_new(data)
        elif "shard" in self.changed_data:
            self._clean_shard_move()
        return data

    def _clean_new(self, data: dict[str, Any]) -> None:
        base, quote = data.get("base"), data.get("quote")
        if not base or not quote:
            return
        if base == quote:
            self.add_error("quote", "The quote asset must differ from the base asset.")
        elif Market.objects.filter(symbol=f"{base}-{quote}").exists():
            self.add_error(None, f"The market {base}-{quote} exists already.")
        elif not self.errors:
            fields = ("tick_size", "lot_size", "min_qty", "min_notional", "quote_precision")
            market = Market(base=base, quote=quote, **{name: data.get(name) for name in fields})
            try:
                EngineMarket({"op": "symbol", **market.engine_spec()})
            except MarketSpecError as error:
                reason = reason_of(str(error))
                field = reason.field or str(error).removeprefix("invalid_")
                message = reason.message or f"The matching engine refuses this market ({error})."
                self.add_error(field if field in self.fields else None, message)

    def _clean_shard_move(self) -> None:
        stored = Market.objects.get(pk=self.instance.pk)
        if stored.status != Market.Status.HALTED:
            self.add_error("shard", "Halt the market before moving it to another shard.")
        elif Order.objects.filter(market_id=stored.symbol, status__in=OPEN_STATUSES).exists():
            self.add_error("shard", "The market has open orders; it can move only without any.")

    def _post_clean(self) -> None:
        # After the model's own validation: the matcher is asked last, once all else is valid.
        super()._post_clean()
        if self.instance.pk is None or self.errors or not self.has_changed():
            return
        stored = Market.objects.get(pk=self.instance.pk)
        if "shard" in self.changed_data:
            # halted and empty: the new shard defines it from the database (config sync)
            self.instance.version = stored.version + 1
            return
        values = {name: getattr(self.instance, name) for name in self.changed_data}
        try:
            changed = market_change_apply(stored, **values)
        except MarketChangeRefused as refusal:
            field = refusal.field if refusal.field in self.fields else None
            self.add_error(field, refusal.message)
            return
        self.instance.version = changed.version
        self.instance.matcher_error = ""


@admin.register(Market)
class MarketAdmin(AuditedModelAdmin):
    form = MarketForm
    list_display = ("symbol", "base", "quote", "tick_size", "lot_size", "min_qty",
                    "min_notional", "status", "shard", "version", "matcher_error")  # fmt: skip
    list_filter = ("status", "shard")
    search_fields = ("symbol",)
    actions = ("halt", "resume", "halt_all")

    def get_readonly_fields(self, request: HttpRequest, obj: Market | None = None) -> list[str]:
        fixed = ["symbol", "version", "matcher_error"]
        # the engine cannot change these of a defined market
        return fixed + ["base", "quote", "quote_precision"] if obj is not None else fixed

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Market], status: str) -> None:
        for market in queryset:
            if market.status == status:
                self.message_user(request, f"{market.symbol} is {status} already.")
                continue
            try:
                changed = market_change_apply(market, status=status)
            except MarketChangeRefused as refusal:
                self.message_user(request, f"{market.symbol}: {refusal.message}", messages.ERROR)
                continue
            action = (
                audit_actions.MARKET_HALT
                if status == Market.Status.HALTED
                else audit_actions.MARKET_RESUME
            )
            with self.audited(request, action, market):
                changed.save(update_fields=["status", "version", "matcher_error", "updated_at"])
            self.message_user(request, f"{market.symbol} is now {status}.", messages.SUCCESS)

    @admin.action(description="Halt the selected markets")
    def halt(self, request: HttpRequest, queryset: QuerySet[Market]) -> None:
        self._set_status(request, queryset, Market.Status.HALTED)

    @admin.action(description="Resume trading on the selected markets")
    def resume(self, request: HttpRequest, queryset: QuerySet[Market]) -> None:
        self._set_status(request, queryset, Market.Status.TRADING)

    @admin.action(description="Kill switch: halt EVERY market (whatever is selected)")
    def halt_all(self, request: HttpRequest, queryset: QuerySet[Market]) -> None:
        trading = list(Market.objects.filter(status=Market.Status.TRADING).order_by("symbol"))
        audit_record(
            action=audit_actions.MARKETS_HALT_ALL,
            actor=request.user,
            object_type_name="market",
            object_id="*",
            object_repr="every market",
            before={"trading": [market.symbol for market in trading]},
            after={"trading": []},
        )
        self._set_status(request, trading, Market.Status.HALTED)


@admin.register(TradingStop)
class TradingStopAdmin(AuditedModelAdmin):
    """The kill switch for one user: adding a stop cancels their open orders and refuses
    their orders (`trading_disabled`) within a second; deleting it lets them trade again."""

    list_display = ("user", "reason", "stopped_by", "created_at")
    search_fields = ("user__username", "reason")
    autocomplete_fields = ("user",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a stop is added or lifted (deleted), not edited

    def save_model(self, request: HttpRequest, obj: TradingStop, form, change: bool) -> None:
        obj.stopped_by = request.user
        super().save_model(request, obj, form, change)


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    fields = ("seq", "position", "status", "reason", "filled_quantity", "at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "market", "side", "type", "status", decimal_column("price"),
                    decimal_column("quantity"), decimal_column("filled_quantity", "filled"),
                    "created_at")  # fmt: skip
    list_select_related = ("user", "market")
    search_fields = ("id__exact", "client_order_id", "user__username")  # exact: cast to text
    list_filter = ("status", "market", "side", "created_at")
    date_hierarchy = "created_at"
    inlines = (OrderEventInline,)


@admin.register(Trade)
class TradeAdmin(ReadOnlyAdmin):
    list_display = ("id", "market", decimal_column("price"), decimal_column("quantity"),
                    "taker_side", "maker_user", "taker_user", decimal_column("maker_fee"),
                    decimal_column("taker_fee"), "fee_asset", "executed_at")  # fmt: skip
    list_select_related = ("market", "maker_user", "taker_user")
    search_fields = ("id__exact", "maker_user__username", "taker_user__username",
                     "maker_order__id__exact")  # fmt: skip
    list_filter = ("market", "taker_side", "executed_at")
    date_hierarchy = "executed_at"
    raw_id_fields = ("maker_order", "taker_order", "maker_user", "taker_user")


@admin.register(MarketStatus)
class MarketStatusAdmin(ReadOnlyAdmin):
    """What each market's matcher last announced: a circuit breaker's pause shows here."""

    list_display = ("market", "status", "reason", "resumes_at", "seq")
    list_filter = ("status",)


@admin.register(MatcherState)
class MatcherStateAdmin(ReadOnlyAdmin):
    list_display = (
        "shard",
        "number",
        "persisted_seq",
        "last_seq",
        "heartbeat_at",
        "started_at",
        "persist_error",
    )
