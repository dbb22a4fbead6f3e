"""The API's docs page: Swagger UI over the schema, with a request signer.

Signed endpoints need `X-API-KEY`, `X-API-TIMESTAMP` and `X-API-SIGNATURE` (API.md). The
page asks for a key and its secret, keeps them in the tab's sessionStorage, and signs each
"Try it out" request in the browser (WebCrypto's HMAC-SHA256): the secret is never sent.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerView


class ApiDocsView(SpectacularSwaggerView):
    template_name = "api/docs.html"
    template_name_js = "api/docs.js"
