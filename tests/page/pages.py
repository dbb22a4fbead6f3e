"""What the page tests look for in the rendered HTML."""

PAGE_SCRIPT = "/static/exchange/js/app.js"

# A stand-in for the browser's WebSocket, for tests of socket.js in the page: each socket made
# goes into `sockets`; a test opens or closes it as the server would, and reads what it sent.
FAKE_SOCKET = """
        const sockets = [];
        class FakeSocket extends EventTarget {
          static OPEN = 1;
          constructor(url) { super(); this.url = url; this.readyState = 0; this.sent = [];
                             sockets.push(this); }
          send(text) { this.sent.push(JSON.parse(text)); }
          close() { this.readyState = 3; this.dispatchEvent(new Event("close")); }
          open() { this.readyState = 1; this.dispatchEvent(new Event("open")); }
        }
        window.WebSocket = FakeSocket;
"""
