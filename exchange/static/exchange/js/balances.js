// The user's balances: the REST list, then the socket's balance messages.

import { get } from "./api.js";
import { add, compare } from "./decimal.js";
import { $, el, flash } from "./dom.js";
import { amount, numNode } from "./format.js";

export class BalancesView {
  constructor(root) {
    this.root = root;
    this.rows = new Map();
    this.listeners = [];
    this.market = null;
  }

  onChange(fn) {
    this.listeners.push(fn);
  }

  async load() {
    const rows = await get("/account/balances");
    const changed = new Set();
    for (const row of rows) {
      const before = this.rows.get(row.asset);
      if (before && (before.available !== row.available || before.locked !== row.locked)) {
        changed.add(row.asset);
      }
      this.rows.set(row.asset, row);
    }
    this.loaded = true;
    this.draw(changed);
  }

  /** {asset, available, locked} from the socket. */
  update({ asset, available, locked }) {
    this.rows.set(asset, { asset, available, locked });
    this.draw(new Set([asset]));
  }

  available(asset) {
    return this.rows.get(asset)?.available ?? "0";
  }

  setMarket(market) {
    this.market = market;
    this.draw(new Set());
  }

  draw(changed) {
    // the selected market's two assets first, then the rest by name
    const first = this.market ? [this.market.base, this.market.quote] : [];
    const assets = [...new Set([...first, ...[...this.rows.keys()].sort()])];
    const body = assets.map((asset) => {
      const row = this.rows.get(asset) ?? { available: "0", locked: "0" };
      const total = add(row.available, row.locked);
      const node = el(
        "tr",
        { dataset: { asset }, class: compare(total, "0") === 0 ? "zero" : "", title: `Total ${amount(total, asset).text} ${asset}` },
        el("th", { scope: "row" }, asset),
        numNode(amount(row.available, asset), { tag: "td", cls: "num available" }),
        numNode(amount(row.locked, asset), { tag: "td", cls: "num locked" }),
      );
      if (changed.has(asset)) flash(node);
      return node;
    });
    $("tbody", this.root).replaceChildren(...body);
    const funded = [...this.rows.values()].some((row) => compare(add(row.available, row.locked), "0") > 0);
    $(".no-funds", this.root).hidden = !this.loaded || funded;
    this.listeners.forEach((fn) => fn());
  }
}
