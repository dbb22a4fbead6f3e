// The order form: every order type, the market's tick and lot on the inputs, errors shown
// next to the field they concern (the form's own checks and the API's `field`).

import { ApiError } from "./api.js";
import { add, cut, divFloor, floorToStep, mul, placesOf, trim } from "./decimal.js";
import { $, $$, el, toast, words } from "./dom.js";
import { feeOn, walkBook } from "./estimate.js";
import { amount, placesOfAsset, price as fmtPrice, qty as fmtQty, setNum } from "./format.js";
import { TIF_LABELS, formField, orderBody, tifsFor, validate, visibleFields } from "./order-rules.js";
import { placeOrder } from "./place.js";

const isZero = (text) => Number(text) === 0;

export class OrderForm {
  constructor(form, { balances, priceHint, book = () => ({ bids: [], asks: [] }), onPlaced, onRefused = () => {} }) {
    this.form = form;
    this.balances = balances;
    this.priceHint = priceHint;
    this.book = book; // the held book, both sides best first: a market order's estimate
    this.onPlaced = onPlaced;
    this.onRefused = onRefused;
    this.fees = null;
    this.status = null; // the market's status (market-status.js describe())
    this.sending = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    form.addEventListener("change", (event) => this.changed(event.target));
    form.addEventListener("input", (event) => {
      this.clearError(event.target.name);
      this.summarise();
    });
    form.addEventListener("focusout", (event) => this.checkField(event.target));
    for (const button of $$("[data-pct]", form)) {
      button.addEventListener("click", () => this.fillShare(Number(button.dataset.pct)));
    }
    balances.onChange(() => this.summarise());
  }

  input(name) {
    return this.form.elements.namedItem(name);
  }

  values() {
    const data = new FormData(this.form);
    return {
      side: data.get("side"),
      type: data.get("type"),
      trigger_price: data.get("trigger_price") ?? "",
      price: data.get("price") ?? "",
      quantity: data.get("quantity") ?? "",
      amount_unit: data.get("amount_unit") ?? "base",
      tif: data.get("time_in_force"),
      expire_at: data.get("expire_at") ?? "",
      post_only: data.get("post_only") === "on",
      display_quantity: data.get("display_quantity") ?? "",
      stp_mode: data.get("stp_mode"),
      client_order_id: data.get("client_order_id") ?? "",
    };
  }

  setMarket(market) {
    this.market = market;
    const field = (name) => this.input(name);
    for (const name of ["price", "trigger_price"]) {
      Object.assign(field(name), { step: market.tick_size, min: market.tick_size, placeholder: cut("0", placesOf(market.tick_size)) });
    }
    Object.assign(field("quantity"), { step: market.lot_size, min: market.min_qty, placeholder: trim(market.min_qty) });
    Object.assign(field("display_quantity"), { step: market.lot_size, min: market.lot_size });
    for (const node of $$("[data-unit=base]", this.form)) node.textContent = market.base;
    for (const node of $$("[data-unit=quote]", this.form)) node.textContent = market.quote;
    const unit = field("amount_unit");
    unit.options[0].textContent = market.base;
    unit.options[1].textContent = market.quote;
    for (const name of ["price", "trigger_price", "quantity", "display_quantity"]) field(name).value = "";
    this.clearErrors();
    this.layout();
  }

  setFees(fees) {
    this.fees = fees;
    this.summarise();
  }

  /** A price picked on the book goes to the limit price (or the trigger of a stop). */
  setPrice(price) {
    const shown = visibleFields(this.values());
    const name = shown.price ? "price" : shown.trigger_price ? "trigger_price" : null;
    if (!name) return;
    this.input(name).value = price;
    this.clearError(name);
    this.summarise();
  }

  changed(target) {
    if (["side", "type", "time_in_force", "amount_unit"].includes(target.name)) this.layout();
    this.summarise();
    this.applyStatus();
  }

  /** The market's status as market-status.js describes it: a halt or a pause disables the
   * button (a call auction only for the orders it does not collect), the reason above it. */
  setMarketStatus(info) {
    this.status = info;
    this.applyStatus();
  }

  /** Why the order the form holds may not be sent now, or "". */
  blocked() {
    if (!this.status) return "";
    const { type, tif, post_only: postOnly } = this.values();
    return this.status.blocks({ type, tif, post_only: postOnly });
  }

  applyStatus() {
    const reason = this.blocked();
    const note = $("#f-market-note", this.form);
    const info = this.status;
    const text = reason || (info?.auction ? info.headline + ". Call auction: this limit order will be collected and match at the opening price." : "");
    note.textContent = text;
    note.hidden = !text;
    note.dataset.kind = reason ? "blocked" : "auction";
    const button = $("#f-submit", this.form);
    button.disabled = this.sending || Boolean(reason);
    button.title = reason;
  }

  /** Shows the fields the order type and time in force take, and the side's colours. */
  layout() {
    const values = this.values();
    const tif = this.input("time_in_force");
    const choices = tifsFor(values.type);
    if (choices.join() !== [...tif.options].map((o) => o.value).join()) {
      tif.replaceChildren(...choices.map((value) => el("option", { value }, TIF_LABELS[value])));
    }
    const shown = visibleFields(this.values());
    for (const [name, visible] of Object.entries(shown)) {
      const node = $(`[data-field=${name}]`, this.form) ?? this.input(name);
      node.hidden = !visible;
    }
    if (!shown.amount_unit) this.input("amount_unit").value = "base";
    const quote = shown.amount_unit && this.input("amount_unit").value === "quote";
    $("[data-field=quantity] [data-unit=base]", this.form).hidden = shown.amount_unit;
    this.input("quantity").step = quote ? "any" : this.market?.lot_size ?? "any";
    const submit = $("#f-submit", this.form);
    submit.className = `submit ${values.side}`;
    submit.textContent = `${words(values.side)} ${this.market?.base ?? ""}`;
    this.form.dataset.side = values.side;
    this.summarise();
  }

  /** Available balance, the order's total (a market order's estimate from the book, and a
   * warning when the book cannot fill it) and the fee rates under the form. */
  summarise() {
    if (!this.market) return;
    const values = this.values();
    const { side, price, quantity, type } = values;
    const { base, quote } = this.market;
    const asset = side === "buy" ? quote : base;
    setNum($("#f-available", this.form), amount(this.balances.available(asset), asset), asset);
    const limit = visibleFields(values).price ? price : null;
    const label = $("#f-total-label", this.form);
    const totalNode = $("#f-total", this.form);
    let total = { text: "—", rounded: false };
    let unit = "";
    let estimate = null;
    label.textContent = "Total";
    try {
      if (limit && quantity) {
        total = amount(mul(limit, quantity), quote);
        unit = quote;
      } else if (type === "market" && quantity) {
        estimate = this.estimate(values);
      } else if (type !== "limit" && quantity) total = { text: "at market when triggered", rounded: false };
    } catch {
      total = { text: "—", rounded: false };
    }
    if (estimate) ({ total, unit } = this.showEstimate(estimate, side, label));
    else this.showEstimate(null);
    setNum(totalNode, total.exact === undefined ? { ...total, exact: "" } : total, unit);
    if (this.fees) {
      const pct = (rate) => `${trim(mul(rate, "100"))}%`;
      $("#f-fees", this.form).textContent = `${pct(this.fees.maker_rate)} / ${pct(this.fees.taker_rate)}`;
    }
  }

  /** A market order against the held book ({...walkBook(), side}), or null. */
  estimate({ side, quantity, amount_unit: unit }) {
    const { bids, asks } = this.book();
    const levels = side === "buy" ? asks : bids;
    const byQuote = side === "buy" && unit === "quote";
    const walked = walkBook(levels, {
      quantity: byQuote ? null : quantity,
      quote: byQuote ? quantity : null,
      lot: this.market.lot_size,
      avgPlaces: placesOf(this.market.tick_size) + 4,
    });
    return walked && { ...walked, side };
  }

  /** Draws an estimate (null: none) under the form; {total, unit} for the Total row. */
  showEstimate(estimate, side, label) {
    const row = $("#f-estimate-row", this.form);
    const feeRow = $("#f-fee-row", this.form);
    const warning = $("#f-liquidity", this.form);
    this.form.dataset.estimate = estimate ? (estimate.complete ? "full" : "short") : "";
    if (!estimate) {
      row.hidden = true;
      feeRow.hidden = true;
      warning.hidden = true;
      warning.textContent = "";
      return { total: { text: "—" }, unit: "" };
    }
    const { base, quote } = this.market;
    const quotePlaces = placesOfAsset(quote) ?? placesOf(this.market.tick_size) + placesOf(this.market.lot_size);
    const fee = this.fees ? feeOn(estimate.notional, this.fees.taker_rate, quotePlaces) : null;
    let total;
    let unit;
    if (estimate.byQuote) {
      label.textContent = "Est. amount";
      total = fmtQty(estimate.filled, this.market);
      unit = base;
    } else {
      label.textContent = side === "buy" ? "Est. cost" : "Est. proceeds";
      total = amount(estimate.notional, quote);
      unit = quote;
    }
    total = { ...total, text: `≈ ${total.text}` };
    const detail = $("#f-estimate-detail", this.form);
    const avg = estimate.avgPrice === null ? null : fmtPrice(estimate.avgPrice, this.market);
    detail.textContent = avg ? `≈ ${avg.text}` : "—";
    detail.title = avg?.rounded ? `${avg.exact} (exact, before rounding to the tick)` : "";
    row.hidden = false;
    $("#f-estimate-fee", this.form).textContent = fee !== null ? `≈ ${amount(fee, quote).text} ${quote}` : "";
    feeRow.hidden = fee === null;
    if (estimate.complete) {
      warning.hidden = true;
      warning.textContent = "";
    } else {
      const tif = this.values().tif;
      const book = side === "buy" ? "asks" : "bids";
      const can = estimate.byQuote
        ? `only ${fmtQty(estimate.filled, this.market).text} ${base} for ${amount(estimate.notional, quote).text} ${quote}`
        : `only ${fmtQty(estimate.filled, this.market).text} of ${fmtQty(estimate.wanted, this.market).text} ${base}`;
      const outcome =
        tif === "FOK"
          ? "Fill or kill: the whole order would be refused."
          : `The rest (${estimate.byQuote ? `${amount(estimate.missing, quote).text} ${quote}` : `${fmtQty(estimate.missing, this.market).text} ${base}`}) would be cancelled.`;
      warning.textContent =
        isZero(estimate.filled)
          ? `Not enough liquidity: the book has no ${book}. ${tif === "FOK" ? outcome : "Nothing would fill."}`
          : `Not enough liquidity: the ${book} can fill ${can}. ${outcome}`;
      warning.hidden = false;
    }
    return { total, unit };
  }

  /** Fills the amount with a share of the available balance, on the lot grid. */
  fillShare(percent) {
    const { side, price, amount_unit: unit } = this.values();
    const shown = visibleFields(this.values());
    const share = (asset) => divFloor(mul(this.balances.available(asset), String(percent)), "100", 18);
    // a buy pays the taker fee on top: leave room for it
    const withFee = this.fees ? add("1", this.fees.taker_rate) : "1";
    const { base, quote, lot_size: lot, tick_size: tick } = this.market;
    let amount;
    if (side === "sell") amount = floorToStep(share(base), lot);
    else if (shown.amount_unit && unit === "quote") amount = divFloor(share(quote), withFee, placesOf(tick));
    else {
      const at = (shown.price && Number(price) > 0 ? price : null) ?? this.priceHint(side);
      if (!at) return;
      amount = floorToStep(divFloor(share(quote), mul(at, withFee), placesOf(lot)), lot);
    }
    this.input("quantity").value = trim(amount);
    this.clearError("quantity");
    this.summarise();
  }

  checkField(target) {
    if (!target?.name || !this.market || !target.value) return;
    const errors = validate(this.values(), this.market);
    if (errors[target.name]) this.showError(target.name, errors[target.name]);
  }

  clearError(name) {
    const slot = $(`[data-error-for="${name}"]`, this.form);
    if (slot) slot.textContent = "";
    this.input(name)?.removeAttribute?.("aria-invalid");
  }

  clearErrors() {
    for (const slot of $$("[data-error-for]", this.form)) slot.textContent = "";
    for (const input of $$("[aria-invalid]", this.form)) input.removeAttribute("aria-invalid");
  }

  /** The message next to `field`, or above the button when the field is not on the form. */
  showError(field, message) {
    const name = formField(field);
    const slot = $(`[data-error-for="${name}"]`, this.form);
    const wrapper = slot?.closest("[data-field]");
    if (!slot || wrapper?.hidden) {
      $('[data-error-for=""]', this.form).textContent = field ? `${field}: ${message}` : message;
      return;
    }
    slot.textContent = message;
    this.input(name)?.setAttribute?.("aria-invalid", "true");
    const advanced = slot.closest("details");
    if (advanced) advanced.open = true;
  }

  async submit() {
    this.clearErrors();
    if (this.blocked()) return; // the button is disabled; Enter in a field still submits
    const values = this.values();
    const errors = validate(values, this.market);
    if (Object.keys(errors).length) {
      Object.entries(errors).forEach(([field, message]) => this.showError(field, message));
      return;
    }
    const button = $("#f-submit", this.form);
    this.sending = true;
    button.disabled = true;
    try {
      const order = await placeOrder(orderBody(values, this.market));
      const what = `${words(order.side)} ${fmtQty(order.quantity, this.market).text} ${this.market.base}`;
      toast(`${what}${order.price ? ` @ ${fmtPrice(order.price, this.market).text}` : ""}: ${words(order.status).toLowerCase()}`, "success");
      this.input("client_order_id").value = "";
      this.onPlaced(order);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const extra = error.details.order_id ? ` (order ${error.details.order_id})` : "";
      this.showError(error.field, `${error.message}${extra}`);
      this.onRefused(error);
    } finally {
      this.sending = false;
      this.applyStatus();
    }
  }
}
