"""The REST API of API.md: views, input parsing, the error envelope, throttles."""
