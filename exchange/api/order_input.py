"""The body of `POST /api/v1/orders` (and the socket's `order.place`) checked for shape, then
turned into the engine's `new` command.

Only the shape is checked here: types, sizes, unknown fields. What the values mean (a valid
side, a price on the tick grid, ...) is the engine's to judge, with SPEC.md's reason codes,
so there is one source of truth for the rules.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from exchange import json_codec
from exchange.api.errors import ApiError

# API name -> the engine's; `tif` and `stp` (SPEC.md's names) are accepted as aliases.
_NAMES = {
    "symbol": "symbol",
    "side": "side",
    "type": "type",
    "quantity": "quantity",
    "quote_quantity": "quote_quantity",
    "price": "price",
    "trigger_price": "trigger_price",
    "time_in_force": "tif",
    "tif": "tif",
    "expire_at": "expire_at",
    "post_only": "post_only",
    "display_quantity": "display_quantity",
    "stp_mode": "stp",
    "stp": "stp",
    "client_order_id": "client_order_id",
}
NAME_FIELDS = ("symbol", "side", "type", "time_in_force", "tif", "stp_mode", "stp")
# Each decimal field with the reason code the engine gives a bad value of it.
DECIMAL_FIELDS = {
    "quantity": "invalid_quantity",
    "quote_quantity": "invalid_quote_quantity",
    "price": "invalid_price",
    "trigger_price": "invalid_trigger_price",
    "display_quantity": "invalid_display_quantity",
}
MAX_NAME = 32
MAX_DECIMAL_TEXT = 64
# Prices and quantities stay below 10**12 (10**16 for a notional), so every product the
# exchange stores fits its columns (exchange/models/fields.py).
MAX_INTEGER_DIGITS = {"quote_quantity": 16}
DEFAULT_INTEGER_DIGITS = 12
DECIMAL = re.compile(r"[+-]?(\d+)?(?:\.\d*)?")
CLIENT_ORDER_ID = re.compile(r"[A-Za-z0-9._:/-]{1,64}")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utf8_json(raw: bytes) -> object:
    return json_codec.standard_loads(raw.decode("utf-8"))


def parsed_json(raw: bytes) -> object:
    """The request body as JSON, whatever its content type; ApiError `invalid_json` if it is
    not (NaN and Infinity are not JSON either)."""
    try:
        return json_codec.loads(raw, slow=_utf8_json)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError("invalid_json", "The body is not valid JSON.") from None


def invalid(field: str, message: str) -> ApiError:
    return ApiError("invalid_field", message, field=field)


def order_command(body: object, *, user_id: int) -> dict:
    """The engine's `new` command for `body`, or ApiError (invalid_json, invalid_field, or
    the engine's code for a decimal out of range)."""
    if not isinstance(body, dict):
        raise ApiError("invalid_json", "The body must be a JSON object.")
    command: dict = {"op": "new", "user": user_id}
    for field, value in body.items():
        name = _NAMES.get(field)
        if name is None:
            raise invalid(str(field)[:64], f"Unknown field {str(field)[:64]!r}.")
        if value is None:
            continue  # null counts as absent (SPEC.md §9.2)
        if name in command and command[name] != _converted(field, value):
            raise invalid(field, f"{field} is given twice, with different values.")
        command[name] = _converted(field, value)
    if "symbol" not in command:
        raise invalid("symbol", "symbol is required.")
    command["symbol"] = command["symbol"].upper()
    return command


AMEND_FIELDS = ("quantity", "price", "display_quantity")


def amend_command(body: object, *, user_id: int, order_id: int) -> dict:
    """The engine's `amend` command for `body` (`quantity`, `price`, `display_quantity`: at
    least one, decimal strings; null counts as absent), or ApiError (`invalid_json`,
    `invalid_field`, `invalid_amend` when none is given)."""
    if not isinstance(body, dict):
        raise ApiError("invalid_json", "The body must be a JSON object.")
    command: dict = {"op": "amend", "id": order_id, "user": user_id}
    for field, value in body.items():
        if field not in AMEND_FIELDS:
            raise invalid(str(field)[:64], f"Unknown field {str(field)[:64]!r}.")
        if value is not None:
            command[field] = _decimal_text(field, value)
    if not any(field in command for field in AMEND_FIELDS):
        raise ApiError(
            "invalid_amend", "Give at least one of quantity, price and display_quantity."
        )
    return command


def _converted(field: str, value: object) -> object:
    if field in NAME_FIELDS:
        if not isinstance(value, str):
            raise invalid(field, f"{field} must be a string.")
        if len(value) > MAX_NAME:
            raise invalid(field, f"{field} is longer than {MAX_NAME} characters.")
        return value
    if field in DECIMAL_FIELDS:
        return _decimal_text(field, value)
    if field == "post_only":
        if not isinstance(value, bool):
            raise invalid(field, "post_only must be true or false.")
        return value
    if field == "expire_at":
        return _expire_at_ms(value)
    if field == "client_order_id":
        if not isinstance(value, str) or not CLIENT_ORDER_ID.fullmatch(value):
            raise invalid(
                field, "client_order_id must be 1 to 64 characters of A-Z a-z 0-9 . _ : / -."
            )
        return value
    raise AssertionError(field)


def _decimal_text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise invalid(field, f'{field} must be a decimal string such as "1.5", not a JSON number.')
    if len(value) > MAX_DECIMAL_TEXT:
        raise invalid(field, f"{field} is longer than {MAX_DECIMAL_TEXT} characters.")
    match = DECIMAL.fullmatch(value)
    digits = (match.group(1) or "").lstrip("0") if match else ""
    if len(digits) > MAX_INTEGER_DIGITS.get(field, DEFAULT_INTEGER_DIGITS):
        raise ApiError(DECIMAL_FIELDS[field], f"{field} is too large.", field=field)
    return value  # its form and sign are the engine's to judge


def _expire_at_ms(value: object) -> int:
    """ISO 8601 (UTC unless an offset is given) or integer milliseconds."""
    if isinstance(value, bool):
        raise invalid("expire_at", "expire_at must be an ISO 8601 time.")
    if isinstance(value, int):
        if not 0 < value < 253402300800000:  # before year 10000
            raise invalid("expire_at", "expire_at is out of range.")
        return value
    if not isinstance(value, str) or len(value) > 40:
        raise invalid("expire_at", "expire_at must be an ISO 8601 time.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise invalid("expire_at", "expire_at must be an ISO 8601 time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    milliseconds = (moment - EPOCH) // timedelta(milliseconds=1)
    if milliseconds <= 0:
        raise invalid("expire_at", "expire_at is out of range.")
    return milliseconds
