"""Admin of accounts: users, API keys (the secret is shown once, on the page answering the
form that made the key, and stored nowhere), and
funds: balances and the ledger to read, transfers to ask for, reconciliation alerts to
resolve. Balances change only through the matcher, so nothing here edits one directly."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts.api_keys import api_key_create, api_key_revoke
from accounts.models import ApiKey, Balance, LedgerEntry, ReconciliationAlert, Transfer, User
from accounts.reconciliation import alerts_resolve
from accounts.transfers import TransferError, transfer_request, transfer_wait
from audit import actions as audit_actions
from audit.admin import AuditedModelAdmin, AuditedUserAdmin
from exchange.admin_decimals import decimal_column, decimal_text
from exchange.admin_read_only import ReadOnlyAdmin
from exchange.selectors.assets import assets_traded

admin.site.register(User, AuditedUserAdmin)


_NEW_SECRET = "_new_api_key_secret"  # the request attribute holding a just-made key's secret


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedModelAdmin):
    list_display = ["key", "user", "name", "permission", "created_at", "revoked_at"]
    list_filter = ["permission", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["key", "user__username", "name"]
    readonly_fields = ["key", "created_at", "revoked_at"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "permission"]
        return ["user", "name", "permission", "key", "created_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "key", "created_at", "revoked_at"] if obj else []

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created, secret = api_key_create(user=obj.user, name=obj.name, permission=obj.permission)
        obj.pk, obj.key, obj.secret_encrypted = created.pk, created.key, created.secret_encrypted
        obj.created_at = created.created_at
        setattr(request, _NEW_SECRET, secret)  # for response_add, in this request only

    def response_add(self, request, obj, post_url_continue=None):
        """The new key's secret, on the page answering the form (no redirect): a message
        would carry it to the next page in the messages cookie, or in the session."""
        secret = getattr(request, _NEW_SECRET, None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": "API key created",
            "opts": self.opts,
            "api_key": obj,
            "secret": secret,
            "change_url": reverse("admin:accounts_apikey_change", args=[obj.pk]),
            "changelist_url": reverse("admin:accounts_apikey_changelist"),
        }
        return TemplateResponse(request, "admin/accounts/apikey/created.html", context)

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset) -> None:
        for api_key in queryset:
            with self.audited(request, audit_actions.API_KEY_REVOKE, api_key):
                api_key_revoke(api_key=api_key)
        self.message_user(request, f"{queryset.count()} key(s) revoked.")


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = [
        "account", "user", "asset", decimal_column("available"), decimal_column("locked"),
        "last_seq",
    ]  # fmt: skip
    list_filter = ["asset"]
    search_fields = ["=account", "=asset", "user__username"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "seq", "position", "reason", "asset", decimal_column("amount"), "from_account",
        "from_bucket",
        "to_account", "to_bucket", "transfer_id", "at",
    ]  # fmt: skip
    list_filter = ["reason", "asset"]
    # exact matches: the ledger is the largest table, and these are ids, not prose
    search_fields = ["=from_account", "=to_account", "=asset", "=transfer_id"]


class TransferForm(forms.ModelForm):
    """A credit or debit to ask the matcher for, of an asset a market trades;
    `transfer_request` validates and records it, and its refusal is shown as a form error."""

    asset = forms.ChoiceField(choices=(), help_text="The assets the exchange's markets trade.")
    amount = forms.CharField(max_length=64, help_text="A positive decimal, e.g. 100.5.")
    transfer_id = forms.CharField(
        max_length=64,
        required=False,
        help_text="Made when this page was shown, so sending the form twice (a double click, "
        "a reload) asks for one transfer. Left blank, a new id is generated.",
    )

    class Meta:
        model = Transfer
        fields = ["user", "kind", "asset"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:  # the page shown: its id travels with the form it sends
            self.fields["transfer_id"].initial = uuid.uuid4().hex
        self.fields["asset"].choices = [("", "---------")] + [(a, a) for a in assets_traded()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        transfer_id = data.get("transfer_id") or None
        if transfer_id and Transfer.objects.filter(transfer_id=transfer_id).exists():
            # the same form sent again, or an id used before: one id means one transfer
            raise forms.ValidationError(
                f"A transfer with id {transfer_id!r} was asked for already; nothing more was "
                "done. Its status in the list of transfers shows the outcome."
            )
        try:
            # recorded here, the last step of validation, so its TransferError is a form error
            self.transfer = transfer_request(
                user=data["user"],
                kind=data["kind"],
                asset=data["asset"],
                amount=data["amount"],
                transfer_id=transfer_id,
            )
        except TransferError as error:
            raise forms.ValidationError(str(error)) from None
        return data

    def validate_unique(self) -> None:
        """Nothing to check: `clean` refused an id used before, and the transfer it then
        recorded holds this id (the model's own check would call it a duplicate of itself)."""


@admin.register(Transfer)
class TransferAdmin(AuditedModelAdmin):
    """The add form credits or debits a user; a transfer once asked for is never edited."""

    form = TransferForm
    list_display = [
        "transfer_id", "user", "kind", "asset", decimal_column("amount"), "status", "reason",
        "seq", "created_at", "done_at",
    ]  # fmt: skip
    list_filter = ["status", "kind", "asset"]
    search_fields = ["=transfer_id", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        created = form.transfer
        for field in Transfer._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        setattr(request, _ASKED, obj)

    def response_add(self, request, obj, post_url_continue=None):
        """No "added successfully": `changeform_view` says the outcome."""
        after = "add" if "_addanother" in request.POST else "changelist"
        return HttpResponseRedirect(reverse(f"admin:accounts_transfer_{after}"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The form as Django runs it (in a transaction); then, the transfer committed where
        the matcher sees it, its outcome once the matcher has carried it out or refused it
        (up to EXCHANGE_ADMIN_TRANSFER_WAIT_MS), as the one message of the page that follows."""
        response = super().changeform_view(request, object_id, form_url, extra_context)
        asked = getattr(request, _ASKED, None)
        if asked is not None:
            wait = settings.EXCHANGE_ADMIN_TRANSFER_WAIT_MS / 1000
            self.message_user(request, *_outcome(transfer_wait(asked, timeout=wait)))
        return response


_REFUSALS = {
    "insufficient_funds": "the user's available balance is less than the amount",
    "funds_disabled": "funds are off in the matcher",
}


_ASKED = "_transfer_asked"  # the request attribute holding the transfer the form recorded


def _outcome(transfer: Transfer) -> tuple[str, int]:
    """The message's words and level for a transfer as it now stands."""
    what = (
        f"{'Credit' if transfer.kind == Transfer.Kind.CREDIT else 'Debit'} of "
        f"{decimal_text(transfer.amount)} {transfer.asset} for {transfer.user}"
    )
    if transfer.status == Transfer.Status.DONE:
        return f"{what}: done (transfer {transfer.transfer_id}).", messages.SUCCESS
    if transfer.status == Transfer.Status.REFUSED:
        why = _REFUSALS.get(transfer.reason, transfer.reason or "no reason given")
        return (
            f"{what}: refused, {why} ({transfer.reason}). Nothing was moved "
            f"(transfer {transfer.transfer_id}).",
            messages.ERROR,
        )
    return (
        f"{what}: asked for, but the matcher has not carried it out yet (is it running?). "
        f"The list of transfers shows its status once it has (transfer "
        f"{transfer.transfer_id}).",
        messages.WARNING,
    )


@admin.register(ReconciliationAlert)
class ReconciliationAlertAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "account", "asset", "seq", decimal_column("matcher_available"),
        decimal_column("ledger_available"), decimal_column("matcher_locked"),
        decimal_column("ledger_locked"), "resolved",
    ]  # fmt: skip
    list_filter = ["resolved", "asset", "created_at"]
    search_fields = ["=account", "=asset"]
    readonly_fields = [
        "account", "asset", "seq", "matcher_available", "matcher_locked", "ledger_available",
        "ledger_locked", "detail", "created_at",
    ]  # fmt: skip
    actions = ["mark_resolved"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Mark the selected alerts resolved", permissions=["change"])
    def mark_resolved(self, request, queryset) -> None:
        count = alerts_resolve(alerts=queryset)
        self.message_user(request, f"{count} alert(s) marked resolved.")
