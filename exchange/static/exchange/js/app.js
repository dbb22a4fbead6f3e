// The trading page: wires the market data, the user's account and the live socket together.

import { get } from "./api.js";
import { BalancesView } from "./balances.js";
import { BookView } from "./book.js";
import { CandleChart } from "./candles.js";
import { DepthChart } from "./depth.js";
import { $, $$, debounce, el, toast } from "./dom.js";
import { OrderForm } from "./order-form.js";
import { OrdersPanel } from "./orders.js";
import { LiveSocket, socketUrl } from "./socket.js";
import { TickerView } from "./ticker.js";
import { TradesView } from "./trades.js";

const MARKET_KEY = "exchange.market";
const PUBLIC_CHANNELS = ["book", "trades", "ticker", "candles"];
const root = $("#app");
const signedIn = root.dataset.authenticated === "true";
const complain = (error) => toast(error.message || String(error), "error");

const book = new BookView($("#book"), { onPick: (price) => form?.setPrice(price) });
const depth = new DepthChart($("#depth"), book.state);
book.onChange(() => depth.render());
const candles = new CandleChart($("#candles"));
const trades = new TradesView($("#trades"));
const ticker = new TickerView($("#ticker"));
const socket = new LiveSocket(socketUrl(), { onStatus: showStatus, onReconnect: resync });

let market = null;
let liveBook = false; // the book follows the socket (else the last REST read)
let bookResync = false; // a gap was seen: updates wait for the fresh snapshot
let balances = null;
let orders = null;
let form = null;
const refreshBalances = debounce(() => balances.load().catch(complain), 300);

if (signedIn) {
  balances = new BalancesView($("#balances"));
  orders = new OrdersPanel($("#orders"));
  orders.onOpenChange((open) => book.setOwnOrders(open));
  form = new OrderForm($("#order-form"), {
    balances,
    priceHint: (side) => {
      const { bids, asks } = book.state.top(1);
      return (side === "buy" ? asks : bids)[0]?.[0] ?? trades.last?.price ?? null;
    },
    onPlaced: (order) => {
      orders.upsert(order);
      refreshBalances();
      // without the socket, the book is only as fresh as the last REST read
      if (!liveBook) setTimeout(() => loadBook().catch(complain), 300);
    },
  });
}

function showStatus(state) {
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

async function loadMarketData() {
  await Promise.all([
    loadBook(),
    trades.load(market).then(() => trades.last && book.setLast(trades.last.price, trades.last.taker_side)),
    candles.load(market),
    ticker.load(market),
  ]).catch(complain);
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
  root.classList.toggle("is-halted", market.status === "halted");
  book.setMarket(market);
  trades.clear();
  form?.setMarket(market);
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
  loadMarketData();
  if (signedIn) {
    balances.load().catch(complain);
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
  const { results: markets } = await get("/symbols");
  const picker = $("#market");
  picker.replaceChildren(
    ...markets.map((m) =>
      el("option", { value: m.symbol }, `${m.base}/${m.quote}${m.status === "halted" ? " · halted" : ""}`),
    ),
  );
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
    socket.subscribe("orders", null, (message) => message.type === "order" && orders.upsert(message.order));
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
