"""Schema post-processing: the errors every operation can answer with, documented once, and
which operations need credentials.

Credentials are checked wherever they are given (a bad signature is a 401 on a public path
too), any request can be rate limited, and an unsafe request can fail the CSRF check.
"""

from __future__ import annotations

ERROR_REF = {"$ref": "#/components/schemas/Error"}
COMMON = {
    "401": "Credentials given but not valid (or required and missing).",
    "429": "Rate limited; see Retry-After.",
}
UNSAFE = {
    "403": "Not allowed (a read-only key, or a failed CSRF check).",
    "413": "The request body is too large.",
}


def add_common_errors(result: dict, generator, request, public) -> dict:
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            statuses = dict(COMMON)
            if method in ("post", "put", "patch", "delete"):
                statuses.update(UNSAFE)
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
    return result


def mark_public(result: dict, generator, request, public) -> dict:
    """An operation anyone may call (its security lists `{}`, no credentials, among the
    others) is documented with none, so the docs page shows no padlock on it; those that
    need a key or a session keep theirs."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if {} in operation.get("security", []):
                operation["security"] = []
    return result
