"""What the page tests look for in the rendered HTML."""

PAGE_SCRIPT = "/static/exchange/js/app.js"
