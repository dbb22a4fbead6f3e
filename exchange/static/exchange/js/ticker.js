// The 24 h figures in the top bar, from the REST ticker and the socket's ticker and trades.

import { get } from "./api.js";
import { $, flash } from "./dom.js";
import { amount, price, roundTo, setNum } from "./format.js";

export class TickerView {
  constructor(root) {
    this.root = root;
    this.figures = {};
  }

  async load(market) {
    this.market = market;
    this.figures = {};
    this.draw();
    const figures = await get(`/ticker/${market.symbol}`);
    if (this.market === market) this.merge(figures);
  }

  /** Any subset of the ticker's fields (the socket sends what changed). */
  merge(figures) {
    const before = this.figures.last;
    this.figures = { ...this.figures, ...figures };
    this.draw();
    if (before && figures.last && figures.last !== before) {
      flash($("#t-last", this.root), Number(figures.last) >= Number(before) ? "up" : "down");
    }
  }

  draw() {
    const f = this.figures;
    const change = f.change_pct;
    const changeNode = $("#t-change", this.root);
    const market = this.market;
    setNum($("#t-last", this.root), price(f.last, market));
    const pct = change === null || change === undefined ? null : roundTo(change, 2);
    changeNode.textContent = pct === null ? "—" : `${Number(pct) > 0 ? "+" : ""}${pct}%`;
    changeNode.className = Number(change) > 0 ? "up" : Number(change) < 0 ? "down" : "";
    setNum($("#t-high", this.root), price(f.high, market));
    setNum($("#t-low", this.root), price(f.low, market));
    // both volumes the same way: each with its asset's places (format.js)
    setNum($("#t-volume", this.root), amount(f.volume, market?.base));
    $("#t-volume-unit", this.root).textContent = market?.base ?? "";
    setNum($("#t-quote-volume", this.root), amount(f.quote_volume, market?.quote));
    $("#t-quote-volume-unit", this.root).textContent = market?.quote ?? "";
    if (market) {
      const last = f.last ? `${price(f.last, market).text} · ` : "";
      document.title = `${last}${market.base}/${market.quote} · Exchange`;
    }
  }
}
