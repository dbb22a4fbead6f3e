"""The audit trail in the admin: entries listed, filtered, searched and exported (CSV, JSON
lines: every entry the current filter matches), never added, changed or deleted; and
`AuditedModelAdmin`, the base of every admin whose changes are recorded."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path

from audit import actions
from audit.export import CHUNK, csv_lines, json_lines
from audit.models import AuditEntry
from audit.services import audit_record, audited_change
from audit.state import row_state, stored_state
from exchange.admin_read_only import ReadOnlyAdmin

_BEFORE = "_audit_before"  # the form attribute holding the stored row before a change


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose adds, changes and deletes each write one audit entry in the
    transaction of the change, with the row as stored before and after (a save that changed
    nothing, none). Custom actions record theirs with
    `with self.audited(request, action, obj): ...`."""

    def save_form(self, request: HttpRequest, form, change: bool) -> Model:
        obj = super().save_form(request, form, change)
        setattr(form, _BEFORE, stored_state(self.model, obj.pk) if change else None)
        return obj

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # after save_model and the many-to-many relations: the row as it is now stored
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before, after = getattr(form, _BEFORE, None), stored_state(self.model, obj.pk)
        if before != after:  # a form saved unchanged records nothing
            audit_record(
                action=actions.admin_action(obj, "change" if change else "add"),
                actor=request.user,
                obj=obj,
                before=before,
                after=after,
            )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        with self.audited(request, actions.admin_action(obj, "delete"), obj):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                audit_record(
                    action=actions.admin_action(obj, "delete"),
                    actor=request.user,
                    obj=obj,
                    before=row_state(obj),
                    after=None,
                )
            super().delete_queryset(request, queryset)

    def audited(self, request: HttpRequest, action: str, obj: Model):
        """`audited_change` by the request's user: `with self.audited(request, action, obj):`
        around a custom action's change of `obj`."""
        return audited_change(action=action, actor=request.user, obj=obj)


class AuditedUserAdmin(AuditedModelAdmin, UserAdmin):
    """Django's user admin, each change recorded; a password change as
    `user.password_change` (the password itself is never recorded)."""

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                audit_record(
                    action=actions.USER_PASSWORD_CHANGE,
                    actor=request.user,
                    obj=user,
                    before=None,
                    after={"password": "changed"},
                )
        return response


class ActorFilter(admin.SimpleListFilter):
    """By who acted: the names in the trail (a deleted user's too)."""

    title = "actor"
    parameter_name = "actor_name"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        names = AuditEntry.objects.order_by("actor_name").values_list("actor_name", flat=True)
        return [(name, name) for name in names.distinct()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset if value is None else queryset.filter(actor_name=value)


class ActionFilter(admin.SimpleListFilter):
    """By action: the names in the trail."""

    title = "action"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        names = AuditEntry.objects.order_by("action").values_list("action", flat=True)
        return [(name, name) for name in names.distinct()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset if value is None else queryset.filter(action=value)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The trail, read-only. The change list links to its exports: the entries the current
    filter and search match, oldest first."""

    list_display = ("id", "at", "actor_name", "action", "object_type", "object_id",
                    "object_repr")  # fmt: skip
    list_filter = (ActionFilter, ActorFilter, "object_type", "at")
    search_fields = ("=id", "actor_name", "action", "object_type", "=object_id", "object_repr")
    date_hierarchy = "at"
    fields = ("id", "at", "actor", "actor_name", "action", "object_type", "object_id",
              "object_repr", "before", "after", "prev_hash", "hash")  # fmt: skip
    readonly_fields = fields
    change_list_template = "admin/audit/auditentry/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.csv", view(self.export_csv), name="audit_auditentry_export_csv"),
            path("export.jsonl", view(self.export_jsonl), name="audit_auditentry_export_jsonl"),
            *super().get_urls(),
        ]

    def export_csv(self, request: HttpRequest) -> HttpResponse:
        return self._export(request, csv_lines, "text/csv; charset=utf-8", "csv")

    def export_jsonl(self, request: HttpRequest) -> HttpResponse:
        return self._export(request, json_lines, "application/jsonl; charset=utf-8", "jsonl")

    def _export(self, request: HttpRequest, lines, content_type: str, suffix: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        entries = self.get_changelist_instance(request).get_queryset(request)
        # built whole, not streamed: under ASGI Django would gather a synchronous stream
        # into a list anyway, in a thread whose database connection is never closed
        rows = entries.order_by("id").iterator(chunk_size=CHUNK)
        response = HttpResponse("".join(lines(rows)), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="audit.{suffix}"'
        return response
