"""Who may do what: reading one's own data needs credentials; trading needs a key that may
trade (or the browser's session)."""

from rest_framework.permissions import BasePermission, IsAuthenticated

from accounts.models import ApiKey


class IsTrader(IsAuthenticated):
    message = "Credentials are required."


class CanTrade(BasePermission):
    """Writes (place, cancel) are refused to read-only keys with 403 permission_denied."""

    message = "This API key is read-only."

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return not isinstance(request.auth, ApiKey) or request.auth.can_trade
