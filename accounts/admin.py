"""Admin of accounts: users, and API keys (the secret is shown once, when a key is made)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from accounts.api_keys import api_key_create, api_key_revoke
from accounts.models import ApiKey, User

admin.site.register(User, UserAdmin)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
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
        self.message_user(
            request,
            f"API key {created.key} created. Its secret, shown only now: {secret}",
            messages.WARNING,
        )

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset) -> None:
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"{queryset.count()} key(s) revoked.")
