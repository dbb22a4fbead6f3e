// The order book: its state kept from the socket's snapshot and updates (seq/prev_seq), and
// the ladder that shows it. The ladder's bars show the cumulative depth from the spread.

import { add, compare, fromUnits, placesOf, sub, toUnits } from "./decimal.js";
import { $, el, everyFrame } from "./dom.js";
import { numNode, price as fmtPrice, qty as fmtQty, setNum } from "./format.js";

/** Price levels of both sides, price text -> quantity text, with the sequence number held. */
export class BookState {
  constructor() {
    this.places = null;
    this.reset();
  }

  /** Prices written alike ("50000" and "50000.00" are one level): the tick's places. */
  key(price) {
    if (this.places === null) return price;
    const units = toUnits(price, Math.max(this.places, placesOf(price)));
    return units === null ? price : fromUnits(units, Math.max(this.places, placesOf(price)));
  }

  reset() {
    this.bids = new Map();
    this.asks = new Map();
    this.seq = null;
  }

  /** A full book (the socket's snapshot or the REST book). */
  snapshot({ seq, bids = [], asks = [] }) {
    this.reset();
    for (const [price, quantity] of bids) this.bids.set(this.key(price), quantity);
    for (const [price, quantity] of asks) this.asks.set(this.key(price), quantity);
    this.seq = seq ?? null;
  }

  /** Applies an update; false (and nothing applied) when it does not follow the held seq. */
  update({ seq, prev_seq: previous, changes = [] }) {
    if (this.seq === null || previous !== this.seq) return false;
    for (const [side, price, quantity] of changes) {
      const levels = side === "buy" ? this.bids : this.asks;
      if (compare(quantity, "0") === 0) levels.delete(this.key(price));
      else levels.set(this.key(price), quantity);
    }
    this.seq = seq;
    return true;
  }

  /** The best `count` levels a side, best first: [[price, quantity], ...]. */
  top(count) {
    const order = (a, b) => compare(a[0], b[0]);
    const bids = [...this.bids].sort((a, b) => order(b, a)).slice(0, count);
    const asks = [...this.asks].sort(order).slice(0, count);
    return { bids, asks };
  }

  spread() {
    const { bids, asks } = this.top(1);
    if (!bids.length || !asks.length) return null;
    return sub(asks[0][0], bids[0][0]);
  }
}

/** Running totals of the quantities, from the best level out. */
function cumulative(levels) {
  let total = "0";
  return levels.map(([price, quantity]) => {
    total = add(total, quantity);
    return [price, quantity, total];
  });
}

const asNumber = (text) => Number(text) || 0;

export class BookView {
  constructor(root, { levels = 14, phoneLevels = 8, onPick = () => {} } = {}) {
    this.root = root;
    this.wide = levels;
    // a phone shows fewer levels a side, and the panel is as tall as they are (no blank)
    this.phone = window.matchMedia?.("(max-width: 760px)") ?? null;
    this.phoneLevels = phoneLevels;
    this.phone?.addEventListener?.("change", () => this.render());
    this.onPick = onPick;
    this.state = new BookState();
    this.ownPrices = { buy: new Set(), sell: new Set() };
    this.last = null;
    this.render = everyFrame(() => this.draw());
    this.listeners = [];
  }

  get levels() {
    return this.phone?.matches ? this.phoneLevels : this.wide;
  }

  /** Calls `fn()` after each redraw (the depth chart follows the book). */
  onChange(fn) {
    this.listeners.push(fn);
  }

  setMarket(market) {
    this.market = market;
    this.state.places = placesOf(market.tick_size);
    this.state.reset();
    this.last = null;
    $("#book-price-head", this.root).textContent = `Price (${market.quote})`;
    $("#book-qty-head", this.root).textContent = `Amount (${market.base})`;
    this.render();
  }

  /** Prices where the user has open orders, marked on the ladder. */
  setOwnOrders(orders) {
    this.ownPrices = { buy: new Set(), sell: new Set() };
    for (const order of orders) {
      if (order.price && this.market && order.symbol === this.market.symbol) {
        this.ownPrices[order.side]?.add(this.state.key(order.price));
      }
    }
    this.render();
  }

  setLast(price, takerSide) {
    this.last = { price, takerSide };
    this.render();
  }

  row(side, [price, quantity, total], maxTotal) {
    const own = this.ownPrices[side === "bid" ? "buy" : "sell"].has(price);
    const width = maxTotal ? (100 * asNumber(total)) / maxTotal : 0;
    return el(
      "button",
      {
        type: "button",
        class: `level ${side}${own ? " own" : ""}`,
        dataset: { price },
        title: `Use ${price} as the order price`,
        style: `--depth: ${width.toFixed(2)}%`,
        onclick: () => this.onPick(price),
      },
      numNode(fmtPrice(price, this.market), { cls: "price" }),
      numNode(fmtQty(quantity, this.market), { cls: "qty" }),
      numNode(fmtQty(total, this.market), { cls: "total" }),
    );
  }

  draw() {
    const { bids, asks } = this.state.top(this.levels);
    const bidRows = cumulative(bids);
    const askRows = cumulative(asks);
    const maxTotal = Math.max(
      asNumber(bidRows.at(-1)?.[2]),
      asNumber(askRows.at(-1)?.[2]),
    );
    $("#book-asks", this.root).replaceChildren(
      ...askRows.reverse().map((level) => this.row("ask", level, maxTotal)),
    );
    $("#book-bids", this.root).replaceChildren(
      ...bidRows.map((level) => this.row("bid", level, maxTotal)),
    );
    const spread = this.state.spread();
    const mid = $("#book-last", this.root);
    setNum(mid, fmtPrice(this.last?.price, this.market));
    mid.className = `last ${this.last?.takerSide === "sell" ? "down" : this.last ? "up" : ""}`;
    $("#book-spread", this.root).textContent = spread === null ? "" : `Spread ${fmtPrice(spread, this.market).text}`;
    const empty = !bids.length && !asks.length;
    this.root.classList.toggle("is-empty", empty);
    this.listeners.forEach((fn) => fn());
  }
}
