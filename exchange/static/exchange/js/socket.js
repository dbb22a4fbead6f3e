// The live feed (API.md, "WebSocket /ws/v1"): one socket for every channel, subscriptions
// remembered and sent again after a reconnect, reconnection with exponential backoff.
// The session cookie authenticates the socket for the private channels.

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 15000;
const PING_EVERY_MS = 15000;
// The server sends a heartbeat every 10 s on an idle connection: silence longer than this
// means the connection is dead even if the browser has not noticed.
const SILENCE_MS = 35000;

// Acknowledgements and keep-alives: nothing for a channel's handler.
const IGNORED = new Set(["pong", "heartbeat", "subscribed", "unsubscribed", "authenticated"]);

const keyOf = (channel, symbol) => `${channel}:${symbol || ""}`;

export class LiveSocket {
  constructor(url, { onStatus = () => {}, onReconnect = () => {} } = {}) {
    this.url = url;
    this.onStatus = onStatus;
    this.onReconnect = onReconnect;
    this.subscriptions = new Map();
    this.listeners = new Map(); // channel -> handlers of messages no subscription asked for
    this.backoff = MIN_BACKOFF_MS;
    this.everOpened = false;
    this.ws = null;
    this.timers = [];
  }

  connect() {
    this.onStatus(this.everOpened ? "reconnecting" : "connecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => this.opened(ws));
    ws.addEventListener("message", (event) => this.received(event));
    ws.addEventListener("close", () => this.closed(ws));
  }

  opened(ws) {
    // open again after being down (a first open after failed attempts counts: what the page
    // read meanwhile may be stale)
    const reconnected = this.everOpened || this.failed;
    this.everOpened = true;
    this.failed = false;
    this.backoff = MIN_BACKOFF_MS;
    this.lastMessage = Date.now();
    for (const subscription of this.subscriptions.values()) this.send(subscription.message);
    this.timers.push(setInterval(() => this.keepAlive(ws), PING_EVERY_MS));
    this.onStatus("live");
    if (reconnected) this.onReconnect();
  }

  keepAlive(ws) {
    if (Date.now() - this.lastMessage > SILENCE_MS) {
      ws.close();
      return;
    }
    this.send({ op: "ping" });
  }

  closed(ws) {
    if (ws !== this.ws) return;
    this.timers.forEach(clearInterval);
    this.timers = [];
    this.failed = true;
    this.onStatus("reconnecting");
    // jitter, so a restarted server is not met by every page at the same instant
    const delay = this.backoff * (0.75 + Math.random() * 0.5);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    setTimeout(() => this.connect(), delay);
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (this.isOpen) this.ws.send(JSON.stringify(message));
  }

  /** Calls `handler(message)` for each message of `channel` (and `symbol`, if it has one). */
  subscribe(channel, symbol, handler, extra = {}) {
    const message = { op: "subscribe", channel, ...(symbol ? { symbol } : {}), ...extra };
    this.unsubscribe(channel, symbol); // a new interval replaces the old one
    this.subscriptions.set(keyOf(channel, symbol), { message, handler });
    this.send(message);
  }

  /** Stops a subscription (named as it was subscribed, its candle interval included). */
  unsubscribe(channel, symbol) {
    const key = keyOf(channel, symbol);
    const subscription = this.subscriptions.get(key);
    if (!subscription) return;
    this.subscriptions.delete(key);
    this.send({ ...subscription.message, op: "unsubscribe" });
  }

  /** Calls `handler(message)` for each message of `channel`, whatever its symbol, without
   * subscribing: for messages the server sends along with other subscriptions (a `market`
   * status comes to the subscribers of the market's book, trades or ticker). */
  listen(channel, handler) {
    if (!this.listeners.has(channel)) this.listeners.set(channel, []);
    this.listeners.get(channel).push(handler);
  }

  /** Subscribes again, for a fresh snapshot (a book that missed an update). */
  resubscribe(channel, symbol) {
    const subscription = this.subscriptions.get(keyOf(channel, symbol));
    if (!subscription) return;
    this.send({ ...subscription.message, op: "unsubscribe" });
    this.send(subscription.message);
  }

  received(event) {
    this.lastMessage = Date.now();
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (IGNORED.has(message.type)) return;
    if (message.type === "error") {
      console.warn("exchange socket:", message.code, message.message);
      return;
    }
    const subscription =
      this.subscriptions.get(keyOf(message.channel, message.symbol)) ||
      this.subscriptions.get(keyOf(message.channel, null));
    if (subscription) subscription.handler(message);
    for (const handler of this.listeners.get(message.channel) ?? []) handler(message);
  }
}

/** The socket's URL on the page's own host (wss: behind https). */
export function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws/v1`;
}
