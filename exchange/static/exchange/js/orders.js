// The user's orders and fills: open orders with amend and cancel, order history, fills; CSV export of
// the history and the fills. Kept current by the socket's orders channel and by the answers
// to the user's own requests.

import { AmendDialog } from "./amend.js";
import { amendable } from "./amend-rules.js";
import { ApiError, allPages, del, get, query } from "./api.js";
import { download, stamped, toCsv } from "./csv.js";
import { compare } from "./decimal.js";
import { $, $$, debounce, el, shortDateTime, toast, words } from "./dom.js";
import { amount, numNode, price as fmtPrice, qty as fmtQty } from "./format.js";
import { FILL_COLUMNS, ORDER_COLUMNS } from "./order-columns.js";

const OPEN = new Set(["new", "partially_filled", "pending_trigger"]);
const PAGE = 200;

const sideCell = (row) => el("span", { class: `side ${row.side}` }, words(row.side));
const when = shortDateTime;
const complain = (error) => toast(error.message || String(error), "error");

export class OrdersPanel {
  constructor(root, { onRefused = () => {} } = {}) {
    this.root = root;
    this.markets = new Map();
    this.open = new Map();
    this.closed = new Set();
    this.history = null;
    this.fills = null;
    this.tab = "open";
    this.market = null;
    this.listeners = [];
    this.refreshFills = debounce(() => this.fills !== null && this.loadFills(), 400);
    this.refreshHistory = debounce(() => this.history !== null && this.loadHistory(), 400);
    for (const button of $$("[data-tab]", root)) {
      button.addEventListener("click", () => this.show(button.dataset.tab));
    }
    $("#only-market", root).addEventListener("change", () => this.reload().catch(complain));
    $("#cancel-all", root).addEventListener("click", () => this.cancelAll());
    $("#export-orders", root).addEventListener("click", () => this.exportOrders().catch(complain));
    $("#export-fills", root).addEventListener("click", () => this.exportFills().catch(complain));
    this.amendDialog = new AmendDialog($("#amend-dialog"), {
      onAmended: (order, body) => {
        this.upsert(order);
        const what = Object.entries(body).map(([field, value]) => `${words(field).toLowerCase()} ${value}`).join(", ");
        toast(`Amended order ${order.order_id}: ${what}`, "success");
      },
      onRefused,
    });
  }

  onOpenChange(fn) {
    this.listeners.push(fn);
  }

  /** The markets: their tick sizes, so prices show with their market's places, their rules
   * for an amend, and their status (no amend while a market is halted or paused). */
  setMarkets(markets) {
    this.markets = new Map(markets.map((m) => [m.symbol, m]));
    this.draw();
  }

  /** A price of the row's market with its tick's places (an average rounded, exact on hover). */
  price(row, text) {
    return numNode(fmtPrice(text, this.markets.get(row.symbol) ?? null));
  }

  /** A base quantity of the row's market with its lot's places. */
  qty(row, text) {
    return numNode(fmtQty(text, this.markets.get(row.symbol) ?? null));
  }

  get symbolFilter() {
    return $("#only-market", this.root).checked && this.market ? this.market.symbol : null;
  }

  setMarket(market) {
    this.market = market;
    if ($("#only-market", this.root).checked) this.reload();
    else this.draw();
  }

  async reload() {
    this.history = this.tab === "history" ? this.history : null;
    this.fills = this.tab === "fills" ? this.fills : null;
    await Promise.all([
      this.loadOpen(),
      this.tab === "history" && this.loadHistory(),
      this.tab === "fills" && this.loadFills(),
    ]);
  }

  async loadOpen() {
    const page = await get(`/orders${query({ status: "open", limit: PAGE, symbol: this.symbolFilter })}`);
    // an order the socket has already closed stays closed
    const open = page.results.filter((order) => !this.closed.has(order.order_id));
    this.open = new Map(open.map((order) => [order.order_id, order]));
    this.draw();
  }

  async loadHistory() {
    const page = await get(`/orders${query({ status: "closed", limit: PAGE, symbol: this.symbolFilter })}`);
    this.history = page.results;
    this.draw();
  }

  async loadFills() {
    const page = await get(`/account/trades${query({ limit: PAGE, symbol: this.symbolFilter })}`);
    this.fills = page.results;
    this.draw();
  }

  show(tab) {
    this.tab = tab;
    if (tab === "history" && this.history === null) this.loadHistory().catch(complain);
    if (tab === "fills" && this.fills === null) this.loadFills().catch(complain);
    this.draw();
  }

  /** An order as the API writes it: a new one, or a change of a known one. */
  upsert(change) {
    const filter = this.symbolFilter;
    if (filter && change.symbol !== filter) return;
    // answers and socket messages may cross: a closed order stays closed, fills only grow
    if (this.closed.has(change.order_id)) return;
    const before = this.open.get(change.order_id);
    if (before && compare(change.filled_quantity, before.filled_quantity) < 0) return;
    const order = { ...before, ...change }; // a socket message may lack what it was placed with
    if (OPEN.has(order.status)) this.open.set(order.order_id, order);
    else {
      this.open.delete(order.order_id);
      this.closed.add(order.order_id);
    }
    this.amendDialog.orderChanged(order);
    if (!OPEN.has(order.status)) this.refreshHistory();
    if (order.filled_quantity !== before?.filled_quantity && Number(order.filled_quantity) > 0) {
      this.refreshFills();
    }
    this.draw();
  }

  async cancel(order, button) {
    button.disabled = true;
    try {
      this.upsert(await del(`/orders/${order.order_id}`));
      toast(`Cancelled ${words(order.side).toLowerCase()} ${order.quantity} ${order.symbol}`);
    } catch (error) {
      button.disabled = false;
      toast(error instanceof ApiError ? error.message : String(error), "error");
    }
  }

  /** The open order's actions: amend (a resting order, while its market trades) and cancel. */
  actions(order) {
    const cancel = el("button", { type: "button", class: "link-button cancel", onclick: (e) => this.cancel(order, e.currentTarget) }, "Cancel");
    if (!amendable(order)) return el("span", { class: "row-actions" }, cancel);
    const market = this.markets.get(order.symbol);
    const status = market?.status ?? "trading";
    const blocked = status !== "trading" ? `${order.symbol} is ${status}: amends wait until it trades again` : null;
    const edit = el(
      "button",
      {
        type: "button",
        class: "link-button amend",
        disabled: Boolean(blocked),
        title: blocked ?? "Change the price or the amount",
        onclick: () => this.amendDialog.open(this.open.get(order.order_id) ?? order, market),
      },
      "Edit",
    );
    return el("span", { class: "row-actions" }, edit, cancel);
  }

  async cancelAll() {
    try {
      const { cancelled } = await del(`/orders${query({ symbol: this.symbolFilter })}`);
      toast(cancelled.length ? `Cancelled ${cancelled.length} order(s)` : "No open orders");
      await this.loadOpen();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async exportOrders() {
    const symbol = this.symbolFilter;
    const rows = await allPages(`/orders${query({ status: "closed", limit: 1000, symbol })}`);
    download(stamped(`orders${symbol ? `-${symbol}` : ""}`), toCsv(rows, ORDER_COLUMNS));
  }

  async exportFills() {
    const symbol = this.symbolFilter;
    const rows = await allPages(`/account/trades${query({ limit: 1000, symbol })}`);
    download(stamped(`fills${symbol ? `-${symbol}` : ""}`), toCsv(rows, FILL_COLUMNS));
  }

  draw() {
    const open = [...this.open.values()].sort((a, b) => b.order_id - a.order_id);
    $("#open-count", this.root).textContent = open.length ? ` (${open.length})` : "";
    for (const button of $$("[data-tab]", this.root)) {
      button.setAttribute("aria-selected", String(button.dataset.tab === this.tab));
    }
    for (const pane of $$("[data-pane]", this.root)) pane.hidden = pane.dataset.pane !== this.tab;
    $("#cancel-all", this.root).hidden = this.tab !== "open" || !open.length;
    $("#export-orders", this.root).hidden = this.tab !== "history";
    $("#export-fills", this.root).hidden = this.tab !== "fills";
    this.table("open", open, [
      ["Time", (o) => when(o.created_at)],
      ["Market", (o) => o.symbol],
      ["Side", sideCell],
      ["Type", (o) => words(o.type)],
      ["Price", (o) => this.price(o, o.price), "num"],
      ["Trigger", (o) => this.price(o, o.trigger_price), "num"],
      ["Amount", (o) => this.qty(o, o.quantity), "num"],
      ["Filled", (o) => this.qty(o, o.filled_quantity), "num"],
      ["Status", (o) => [words(o.status), o.amended ? el("span", { class: "tag", title: "Amended" }, "amended") : null]],
      ["", (o) => this.actions(o), "end"],
    ]);
    this.table("history", this.history ?? [], [
      ["Time", (o) => when(o.updated_at ?? o.created_at)],
      ["Market", (o) => o.symbol],
      ["Side", sideCell],
      ["Type", (o) => words(o.type)],
      ["Price", (o) => this.price(o, o.price), "num"],
      ["Avg price", (o) => this.price(o, o.avg_price), "num"],
      ["Amount", (o) => this.qty(o, o.quantity), "num"],
      ["Filled", (o) => this.qty(o, o.filled_quantity), "num"],
      ["Status", (o) => el("span", { class: `status ${o.status}` }, words(o.status))],
    ]);
    this.table("fills", this.fills ?? [], [
      ["Time", (f) => when(f.time)],
      ["Market", (f) => f.symbol],
      ["Side", sideCell],
      ["Price", (f) => this.price(f, f.price), "num"],
      ["Amount", (f) => this.qty(f, f.quantity), "num"],
      ["Fee", (f) => numNode(amount(f.fee, f.fee_asset), { unit: f.fee_asset }), "num"],
      ["Role", (f) => words(f.liquidity)],
    ]);
    this.listeners.forEach((fn) => fn([...this.open.values()]));
  }

  table(pane, rows, columns) {
    const container = $(`[data-pane=${pane}]`, this.root);
    const head = el("tr", {}, columns.map(([title, , cls]) => el("th", { class: cls }, title)));
    const body = rows.map((row) =>
      el(
        "tr",
        { dataset: { orderId: row.order_id, tradeId: row.trade_id } },
        // the column's title on each cell: a phone shows each row as a card of labelled values
        columns.map(([title, cell, cls]) => el("td", { class: cls, "data-label": title || null }, cell(row))),
      ),
    );
    const empty = el("tr", { class: "empty" }, el("td", { colspan: columns.length }, "Nothing here yet"));
    const rowsNow = body.length ? body : [empty];
    const table = $("table", container);
    if (table && $("thead", table).innerHTML === el("thead", {}, head).innerHTML) {
      // a row drawn as it was stays the same element: a tap on its button in the middle of a
      // redraw (an update of another order, a reload) still lands
      const kept = new Map($$("tbody > tr", table).map((tr) => [tr.outerHTML, tr]));
      const reuse = (tr) => {
        const same = kept.get(tr.outerHTML);
        kept.delete(tr.outerHTML);
        return same ?? tr;
      };
      $("tbody", table).replaceChildren(...rowsNow.map(reuse));
      return;
    }
    container.replaceChildren(el("table", { class: "grid orders-grid" }, el("thead", {}, head), el("tbody", {}, rowsNow)));
  }
}
