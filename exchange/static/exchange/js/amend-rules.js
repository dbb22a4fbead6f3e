// Amending a resting order (API.md, "Order control", PATCH /api/v1/orders/{id}): which orders
// can be amended, and the body of the request from what the trader typed, only the values
// that change, checked against the market's tick, lot and minimums first. No DOM here.

import { compare, group, isDecimal, isMultiple, mul, trim } from "./decimal.js";

const RESTING = new Set(["new", "partially_filled"]);

/** Whether `order` rests in the book with a price (a waiting stop is not amended). */
export function amendable(order) {
  return RESTING.has(order.status) && order.price !== null && order.price !== undefined;
}

const blank = (value) => value === undefined || value === null || String(value).trim() === "";
const same = (a, b) => !blank(b) && isDecimal(a) && isDecimal(b) && compare(a, b) === 0;

function step(errors, field, value, size, label, what) {
  if (!isDecimal(value) || compare(value, "0") <= 0) errors[field] = `${label} must be a positive number.`;
  else if (size && !isMultiple(value, size)) errors[field] = `${label} must be a multiple of the ${what} ${trim(size)}.`;
}

/**
 * {body, errors} for amending `order` to `values` ({price, quantity, display_quantity},
 * strings; blank: unchanged) in `market` (its tick_size, lot_size, min_qty, min_notional;
 * null: the server checks alone). `quantity` is the new total, what has filled included.
 * `errors` is {field: message} ("" for the form as a whole), empty when the body may go.
 */
export function amendBody(order, values, market) {
  const errors = {};
  const body = {};
  const price = String(values.price ?? "").trim();
  const quantity = String(values.quantity ?? "").trim();
  const display = String(values.display_quantity ?? "").trim();
  if (!blank(price) && !same(price, order.price)) {
    step(errors, "price", price, market?.tick_size, "The price", "tick size");
    body.price = price;
  }
  if (!blank(quantity) && !same(quantity, order.quantity)) {
    step(errors, "quantity", quantity, market?.lot_size, "The amount", "lot size");
    if (!errors.quantity && market?.min_qty && compare(quantity, market.min_qty) < 0) {
      errors.quantity = `The minimum amount is ${trim(market.min_qty)} ${market.base}.`;
    }
    if (!errors.quantity && compare(quantity, order.filled_quantity ?? "0") <= 0) {
      errors.quantity = `The amount must be more than what has filled (${trim(order.filled_quantity)}).`;
    }
    body.quantity = quantity;
  }
  if (!blank(display) && !same(display, order.display_quantity)) {
    step(errors, "display_quantity", display, market?.lot_size, "The visible amount", "lot size");
    body.display_quantity = display;
  }
  const newQuantity = body.quantity ?? order.quantity;
  if (body.display_quantity && !errors.display_quantity && !errors.quantity && compare(body.display_quantity, newQuantity) > 0) {
    errors.display_quantity = "The visible amount cannot exceed the amount.";
  }
  const newPrice = body.price ?? order.price;
  if (market?.min_notional && !errors.price && !errors.quantity && (body.price || body.quantity)) {
    if (compare(mul(newPrice, newQuantity), market.min_notional) < 0) {
      errors.quantity = `The order must be worth at least ${group(trim(market.min_notional))} ${market.quote}.`;
    }
  }
  if (!Object.keys(body).length && !Object.keys(errors).length) {
    errors[""] = "Nothing to change: enter a new price or amount.";
  }
  return { body, errors };
}
