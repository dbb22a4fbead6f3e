// Recent public trades of the selected market: the REST page first, then the socket's trades.

import { get } from "./api.js";
import { clock, el, flash, shortDateTime } from "./dom.js";
import { numNode, price as fmtPrice, qty as fmtQty } from "./format.js";

const KEEP = 60;

export class TradesView {
  constructor(list) {
    this.list = list;
    this.trades = [];
  }

  async load(market) {
    this.market = market;
    const page = await get(`/trades/${market.symbol}?limit=${KEEP}`);
    if (this.market !== market) return; // another market was picked meanwhile
    // trades that arrived on the socket while the page was loading are kept
    this.merge(page.results, false);
  }

  clear(market = this.market) {
    this.market = market;
    this.trades = [];
    this.list.replaceChildren();
  }

  /** A trade from the socket: {trade_id, price, quantity, taker_side, ts}. */
  add(message) {
    this.merge([{ ...message, time: message.time ?? message.ts }], true);
  }

  merge(trades, live) {
    const known = new Set(this.trades.map((trade) => trade.trade_id));
    const fresh = trades.filter((trade) => !known.has(trade.trade_id));
    if (!fresh.length && live) return;
    this.trades = [...this.trades, ...fresh]
      .sort((a, b) => b.trade_id - a.trade_id)
      .slice(0, KEEP);
    this.draw(live ? new Set(fresh.map((trade) => trade.trade_id)) : new Set());
  }

  get last() {
    return this.trades[0] || null;
  }

  draw(highlight) {
    const rows = this.trades.map((trade) => {
      const row = el(
        "li",
        { class: `trade ${trade.taker_side === "sell" ? "down" : "up"}`, dataset: { tradeId: trade.trade_id } },
        numNode(fmtPrice(trade.price, this.market), { cls: "price" }),
        numNode(fmtQty(trade.quantity, this.market), { cls: "qty" }),
        el("time", { class: "time", title: shortDateTime(trade.time) }, clock(trade.time)),
      );
      if (highlight.has(trade.trade_id)) flash(row, trade.taker_side === "sell" ? "down" : "up");
      return row;
    });
    this.list.replaceChildren(...rows);
    this.list.closest(".panel")?.classList.toggle("is-empty", rows.length === 0);
  }
}
