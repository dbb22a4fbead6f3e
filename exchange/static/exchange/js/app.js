// The trading page: wires the market data, the user's account and the live socket together.

import { get } from "./api.js";
import { BalancesView } from "./balances.js";
import { BookView } from "./book.js";
import { CandleChart } from "./candles.js";
import { DeadMansSwitch } from "./dead-man.js";
import { DepthChart } from "./depth.js";
import { $, $$, debounce, el, toast } from "./dom.js";
import { setMarkets as formatFor } from "./format.js";
import { MarketStatusView, optionLabel } from "./market-status.js";
import { OrderForm } from "./order-form.js";
import { OrdersPanel } from "./orders.js";
import { LiveSocket, socketUrl } from "./socket.js";
import { TickerView } from "./ticker.js";
import { TradesView } from "./trades.js";

const MARKET_KEY = "exchange.market";
const PUBLIC_CHANNELS = ["book", "trades", "ticker", "candles"];
const STATUS_POLL_MS = 5000; // /symbols read again: a halt or pause shows without the socket
const STATUS_FIELDS = ["status", "status_reason", "resumes_at"];
const REFUSED_BY_STATUS = new Set(["symbol_halted", "symbol_paused"]);
const root = $("#app");
const signedIn = root.dataset.authenticated === "true";
const complain = (error) => toast(error.message || String(error), "error");

const book = new BookView($("#book"), { onPick: (price) => form?.setPrice(price) });
const depth = new DepthChart($("#depth"), book.state);
book.onChange(() => {
  depth.render();
  form?.summarise(); // a market order's estimate follows the book
});
const candles = new CandleChart($("#candles"));
const trades = new TradesView($("#trades"));
const ticker = new TickerView($("#ticker"));
const socket = new LiveSocket(socketUrl(), { onStatus: showStatus, onReconnect: resync });
let serverOffsetMs = 0; // the server's clock less the page's, from the `ts` of market messages
const marketStatus = new MarketStatusView(
  { banner: $("#market-status"), badge: $("#market-badge") },
  { now: () => Date.now() + serverOffsetMs },
);

let markets = [];
let market = null;
let liveBook = false; // the book follows the socket (else the last REST read)
let bookResync = false; // a gap was seen: updates wait for the fresh snapshot
let balances = null;
let orders = null;
let form = null;
let deadMan = null;
const refreshBalances = debounce(() => balances.load().catch(complain), 300);

if (signedIn) {
  balances = new BalancesView($("#balances"));
  orders = new OrdersPanel($("#orders"), { onRefused: refusedByStatus });
  deadMan = new DeadMansSwitch($("#dms"), {
    storageKey: `exchange.dms.${root.dataset.user ?? ""}`,
    // the exchange cancels the orders at its next tick: read them shortly after
    onFired: () => setTimeout(() => orders.reload().catch(complain), 1500),
  });
  orders.onOpenChange((open) => book.setOwnOrders(open));
  form = new OrderForm($("#order-form"), {
    balances,
    book: () => book.state.top(500),
    priceHint: (side) => {
      const { bids, asks } = book.state.top(1);
      return (side === "buy" ? asks : bids)[0]?.[0] ?? trades.last?.price ?? null;
    },
    onRefused: refusedByStatus,
    onPlaced: (order) => {
      orders.upsert(order);
      refreshBalances();
      // without the socket, the book is only as fresh as the last REST read
      if (!liveBook) setTimeout(() => loadBook().catch(complain), 300);
    },
  });
}

// ---- the markets' status (API.md, "Market safety") ----

/** A refusal because the market stopped: the page's idea of its status is old. */
function refusedByStatus(error) {
  if (REFUSED_BY_STATUS.has(error.code)) refreshSymbols();
}

/** Status fields of `fresh` into the known market of its symbol; true if they changed. */
function mergeStatus(fresh) {
  const known = markets.find((m) => m.symbol === fresh.symbol);
  if (!known) return false;
  const changed = STATUS_FIELDS.some((field) => (known[field] ?? null) !== (fresh[field] ?? null));
  for (const field of STATUS_FIELDS) known[field] = fresh[field] ?? null;
  return changed;
}

/** Draws what a change of the markets' status changes: picker, banner, form, Edit buttons. */
function statusChanged() {
  for (const option of $("#market").options) {
    const m = markets.find((each) => each.symbol === option.value);
    if (m) option.textContent = optionLabel(m);
  }
  if (market) {
    root.classList.toggle("is-halted", market.status === "halted");
    root.dataset.marketStatus = market.status ?? "trading";
    marketStatus.update(market);
  }
  orders?.draw();
}

/** A `market` message of the socket: a halt, a pause, a reopening. */
function onMarketMessage(message) {
  if (message.type !== "market" || !message.symbol) return;
  if (Number.isFinite(message.ts)) serverOffsetMs = message.ts - Date.now();
  pushedAt.set(message.symbol, Date.now());
  if (mergeStatus(message)) statusChanged();
  // the other fields a pause may bring (the auction's length) come with /symbols
  if (message.status === "paused") refreshSymbols();
}

let symbolsRead = null;
let lastRead = 0;
const pushedAt = new Map(); // symbol -> when the socket last told its status

/** /symbols read again (one read at a time); statuses that changed are drawn. */
function refreshSymbols() {
  if (symbolsRead) return symbolsRead;
  const started = Date.now();
  lastRead = started;
  symbolsRead = get("/symbols")
    .then(({ results }) => {
      let changed = false;
      for (const fresh of results) {
        const known = markets.find((m) => m.symbol === fresh.symbol);
        if (known) known.breaker_auction_s = fresh.breaker_auction_s;
        // an answer older than the socket's word on the market does not undo it
        if ((pushedAt.get(fresh.symbol) ?? 0) > started) continue;
        changed = mergeStatus(fresh) || changed;
      }
      if (changed) statusChanged();
    })
    .catch(() => {}) // the next read tries again
    .finally(() => {
      symbolsRead = null;
    });
  return symbolsRead;
}

function watchStatus() {
  setInterval(() => {
    if (!document.hidden) refreshSymbols();
  }, STATUS_POLL_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refreshSymbols();
  });
  marketStatus.onTick((info) => {
    form?.setMarketStatus(info);
    // a pause over: the market reopens at the exchange's next tick; read until it says so
    if (info.state === "paused" && info.remainingMs === 0 && Date.now() - lastRead > 1500) refreshSymbols();
  });
  socket.listen("market", onMarketMessage);
}

// ---- stale data while the socket is down ----
// While the socket reconnects, what it kept current (the book and its depth chart, the
// trades, the balances) is dimmed with a "Reconnecting" note; each part comes back as its
// fresh data arrives: the book with the socket's snapshot, trades and balances with their
// REST reads after the reconnect.
const STALE = { book: ["#book", "#depth"], trades: [".trades-panel"], balances: ["#balances"] };

function markStale() {
  for (const name of Object.keys(STALE)) setStale(name, true);
}

function setStale(name, stale) {
  for (const selector of STALE[name]) {
    const node = $(selector);
    if (!node || (name === "balances" && !signedIn)) continue;
    node.classList.toggle("is-stale", stale);
    node.setAttribute("aria-busy", String(stale));
  }
}

function showStatus(state) {
  if (state === "reconnecting") markStale();
  if (state !== "live") liveBook = false;
  const node = $("#conn");
  node.dataset.state = state;
  $(".conn-label", node).textContent = { live: "Live", connecting: "Connecting", reconnecting: "Reconnecting" }[state];
}

function onBook(message) {
  if (message.symbol !== market.symbol) return;
  if (message.type === "snapshot") {
    liveBook = true;
    bookResync = false;
    setStale("book", false);
    book.state.snapshot(message);
  } else if (message.type === "update") {
    if (bookResync) return;
    if (!book.state.update(message)) {
      // a missed update: the held book is wrong until a fresh snapshot comes
      bookResync = true;
      socket.resubscribe("book", market.symbol);
      return;
    }
  }
  book.render();
}

function onTrade(message) {
  if (message.type !== "trade" || message.symbol !== market.symbol) return;
  trades.add(message);
  book.setLast(message.price, message.taker_side);
  ticker.merge({ last: message.price });
}

async function loadBook() {
  const rest = await get(`/book/${market.symbol}?depth=200`);
  if (!liveBook && rest.symbol === market.symbol) {
    book.state.snapshot(rest);
    book.render();
  }
}

/** The market's data from the REST API; {trades: true} once the trades were read. */
async function loadMarketData() {
  const loaded = { trades: false };
  await Promise.all([
    loadBook(),
    trades.load(market).then(() => {
      loaded.trades = true;
      if (trades.last) book.setLast(trades.last.price, trades.last.taker_side);
    }),
    candles.load(market),
    ticker.load(market),
  ]).catch(complain);
  return loaded;
}

async function selectMarket(next) {
  if (market) PUBLIC_CHANNELS.forEach((channel) => socket.unsubscribe(channel, market.symbol));
  market = next;
  liveBook = false;
  bookResync = false;
  try {
    localStorage.setItem(MARKET_KEY, market.symbol);
  } catch {
    // private mode: no memory of the market
  }
  history.replaceState(null, "", `#${market.symbol}`);
  $("#market").value = market.symbol;
  book.setMarket(market);
  depth.setMarket(market);
  trades.clear(market);
  form?.setMarket(market);
  statusChanged(); // after the form's own reset: its button follows the status
  balances?.setMarket(market);
  orders?.setMarket(market);
  socket.subscribe("book", market.symbol, onBook);
  socket.subscribe("trades", market.symbol, onTrade);
  socket.subscribe("ticker", market.symbol, (message) => {
    if (message.type === "ticker" && message.symbol === market.symbol) ticker.merge(message);
  });
  socket.subscribe("candles", market.symbol, (message) => candles.update(message), { interval: candles.interval });
  await loadMarketData();
}

/** After a reconnect: what the socket may have missed, from the REST API. */
function resync() {
  const wanted = market;
  // fresh only if the socket is still up when the answer comes (else it is stale again)
  loadMarketData().then((loaded) => loaded?.trades && market === wanted && socket.isOpen && setStale("trades", false));
  refreshSymbols();
  if (signedIn) {
    balances.load().then(() => socket.isOpen && setStale("balances", false), complain);
    orders.reload().catch(complain);
  }
}

function wireIntervals() {
  for (const button of $$("#intervals [data-interval]")) {
    button.addEventListener("click", () => {
      candles.interval = button.dataset.interval;
      $$("#intervals [data-interval]").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      socket.subscribe("candles", market.symbol, (message) => candles.update(message), { interval: candles.interval });
      candles.load(market).catch(complain);
    });
  }
}

async function start() {
  ({ results: markets } = await get("/symbols"));
  formatFor(markets); // fixed decimals per market and asset, everywhere (format.js)
  const picker = $("#market");
  picker.replaceChildren(...markets.map((m) => el("option", { value: m.symbol }, optionLabel(m))));
  watchStatus();
  orders?.setMarkets(markets);
  picker.addEventListener("change", () => selectMarket(markets.find((m) => m.symbol === picker.value)));
  wireIntervals();
  document.addEventListener("themechange", () => {
    candles.applyTheme();
    depth.render();
  });
  socket.connect();
  const account = [];
  if (signedIn) {
    socket.subscribe("orders", null, (message) => {
      if (message.type !== "order") return;
      orders.upsert(message.order);
      if (message.order.reason === "cancel_after") deadMan.noteFired();
    });
    socket.subscribe("balances", null, (message) => message.type === "balance" && balances.update(message));
    account.push(balances.load().catch(complain), orders.loadOpen().catch(complain));
    get("/account/fees").then((fees) => form.setFees(fees)).catch(() => {});
  }
  let wanted = decodeURIComponent(location.hash.slice(1)).toUpperCase();
  try {
    wanted = wanted || localStorage.getItem(MARKET_KEY);
  } catch {
    // no storage: the first market
  }
  const first = markets.find((m) => m.symbol === wanted) ?? markets[0];
  if (!first) {
    root.classList.add("no-markets");
    return;
  }
  await Promise.all([selectMarket(first), ...account]);
  root.dataset.ready = "true"; // everything on the page has loaded once
}

start().catch(complain);
