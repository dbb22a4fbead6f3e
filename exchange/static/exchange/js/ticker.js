// The 24 h figures in the top bar, from the REST ticker and the socket's ticker and trades.

import { get } from "./api.js";
import { group } from "./decimal.js";
import { $, flash } from "./dom.js";

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
    $("#t-last", this.root).textContent = group(f.last);
    changeNode.textContent =
      change === null || change === undefined ? "—" : `${Number(change) > 0 ? "+" : ""}${change}%`;
    changeNode.className = Number(change) > 0 ? "up" : Number(change) < 0 ? "down" : "";
    $("#t-high", this.root).textContent = group(f.high);
    $("#t-low", this.root).textContent = group(f.low);
    $("#t-volume", this.root).textContent = group(f.volume);
    $("#t-volume-unit", this.root).textContent = this.market?.base ?? "";
    $("#t-quote-volume", this.root).textContent = group(f.quote_volume?.split(".")[0]);
    $("#t-quote-volume-unit", this.root).textContent = this.market?.quote ?? "";
    if (this.market) {
      const last = f.last ? `${group(f.last)} · ` : "";
      document.title = `${last}${this.market.base}/${this.market.quote} · Exchange`;
    }
  }
}
