// The dialog that amends a resting order from the open-orders table: a new price, amount or
// visible (iceberg) amount, sent as PATCH /api/v1/orders/{id}; the answer is the order as it
// now stands, a refusal shows the API's message next to its field.

import { ApiError, patch } from "./api.js";
import { amendBody, amendable } from "./amend-rules.js";
import { trim } from "./decimal.js";
import { $, $$, words } from "./dom.js";
import { price as fmtPrice, qty as fmtQty } from "./format.js";

export class AmendDialog {
  /** `onAmended(order)` gets the answer; `onRefused(error)` any ApiError. */
  constructor(dialog, { onAmended, onRefused = () => {} }) {
    this.dialog = dialog;
    this.form = $("form", dialog);
    this.onAmended = onAmended;
    this.onRefused = onRefused;
    this.order = null;
    this.market = null;
    this.sending = false;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.form.addEventListener("input", (event) => this.clearError(event.target.name));
    for (const button of $$("[data-close]", dialog)) button.addEventListener("click", () => this.close());
    dialog.addEventListener("close", () => {
      this.order = null;
    });
  }

  get isOpen() {
    return this.dialog.open;
  }

  input(name) {
    return this.form.elements.namedItem(name);
  }

  /** Opens the dialog on `order`, the fields holding its values (`market`: its rules). */
  open(order, market) {
    this.order = order;
    this.market = market;
    this.clearErrors();
    const base = market?.base ?? order.symbol.split("-")[0];
    const quote = market?.quote ?? order.symbol.split("-")[1] ?? "";
    for (const node of $$("[data-unit=base]", this.form)) node.textContent = base;
    for (const node of $$("[data-unit=quote]", this.form)) node.textContent = quote;
    const price = this.input("price");
    const quantity = this.input("quantity");
    const display = this.input("display_quantity");
    Object.assign(price, { value: order.price, step: market?.tick_size ?? "any", min: market?.tick_size ?? "0" });
    Object.assign(quantity, { value: trim(order.quantity), step: market?.lot_size ?? "any", min: market?.min_qty ?? "0" });
    display.value = order.display_quantity ? trim(order.display_quantity) : "";
    display.step = market?.lot_size ?? "any";
    $("[data-field=display_quantity]", this.form).hidden = !order.display_quantity;
    this.describe(order);
    this.setSending(false);
    if (!this.dialog.open) this.dialog.showModal();
    price.focus();
    price.select?.();
  }

  describe(order) {
    const market = this.market ?? order.symbol;
    const filled = order.filled_quantity && Number(order.filled_quantity) > 0 ? ` · filled ${fmtQty(order.filled_quantity, market).text}` : "";
    const price = order.price ? ` @ ${fmtPrice(order.price, market).text}` : "";
    $("[data-amend-what]", this.form).textContent =
      `#${order.order_id} · ${words(order.side)} ${fmtQty(order.quantity, market).text} ${order.symbol}${price}${filled}`;
    const gone = !amendable(order);
    $("[data-amend-gone]", this.form).textContent = gone ? `This order is ${words(order.status).toLowerCase()}: it can no longer be amended.` : "";
    $("#amend-submit", this.form).disabled = gone || this.sending;
  }

  /** A change of an order from elsewhere (the socket): the open dialog follows it. */
  orderChanged(order) {
    if (!this.isOpen || !this.order || order.order_id !== this.order.order_id) return;
    this.order = order;
    this.describe(order);
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  setSending(sending) {
    this.sending = sending;
    const button = $("#amend-submit", this.form);
    button.disabled = sending || (this.order ? !amendable(this.order) : true);
    button.textContent = sending ? "Amending…" : "Amend order";
  }

  clearError(name) {
    const slot = $(`[data-error-for="${name ?? ""}"]`, this.form);
    if (slot) slot.textContent = "";
    this.input(name)?.removeAttribute?.("aria-invalid");
    if (name) $('[data-error-for=""]', this.form).textContent = "";
  }

  clearErrors() {
    for (const slot of $$("[data-error-for]", this.form)) slot.textContent = "";
    for (const input of $$("[aria-invalid]", this.form)) input.removeAttribute("aria-invalid");
  }

  showError(field, message) {
    const slot = field ? $(`[data-error-for="${field}"]`, this.form) : null;
    if (!slot || slot.closest("[data-field]")?.hidden) {
      $('[data-error-for=""]', this.form).textContent = message;
      return;
    }
    slot.textContent = message;
    this.input(field)?.setAttribute("aria-invalid", "true");
  }

  async submit() {
    if (!this.order || this.sending) return;
    this.clearErrors();
    const order = this.order;
    const values = {
      price: this.input("price").value,
      quantity: this.input("quantity").value,
      display_quantity: $("[data-field=display_quantity]", this.form).hidden ? "" : this.input("display_quantity").value,
    };
    const { body, errors } = amendBody(order, values, this.market);
    if (Object.keys(errors).length) {
      Object.entries(errors).forEach(([field, message]) => this.showError(field, message));
      return;
    }
    this.setSending(true);
    try {
      const amended = await patch(`/orders/${order.order_id}`, body);
      this.close();
      this.onAmended(amended, body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const field = ["price", "quantity", "display_quantity"].includes(error.field) ? error.field : null;
      this.showError(field, error.message);
      this.onRefused(error);
    } finally {
      this.setSending(false);
    }
  }
}
