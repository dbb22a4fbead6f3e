// What an order of each type takes (SPEC.md §2), the market's tick and lot checked before
// sending, and the request body built from the form's values. No DOM here.

import { compare, group, isDecimal, isMultiple, mul, trim } from "./decimal.js";

export const TYPES = {
  limit: { price: true, trigger: false },
  market: { price: false, trigger: false },
  stop_loss: { price: false, trigger: true },
  stop_limit: { price: true, trigger: true },
  take_profit: { price: false, trigger: true },
  take_profit_limit: { price: true, trigger: true },
};

const PRICED_TIFS = ["GTC", "IOC", "FOK", "GTD", "DAY"];
const MARKET_TIFS = ["IOC", "FOK"];
const RESTING_TIFS = new Set(["GTC", "GTD", "DAY"]);

export const TIF_LABELS = {
  GTC: "GTC · good till cancelled",
  IOC: "IOC · immediate or cancel",
  FOK: "FOK · fill or kill",
  GTD: "GTD · good till date",
  DAY: "DAY · until 00:00 UTC",
};

/** The time-in-force choices of `type`, its default first. */
export const tifsFor = (type) => (TYPES[type]?.price ? PRICED_TIFS : MARKET_TIFS);

/** Which optional fields `values` (type, tif, side, amount unit) show. */
export function visibleFields({ type, tif, side }) {
  const spec = TYPES[type] ?? TYPES.limit;
  const resting = spec.price && RESTING_TIFS.has(tif);
  return {
    price: spec.price,
    trigger_price: spec.trigger,
    post_only: resting,
    display_quantity: resting,
    expire_at: spec.price && tif === "GTD",
    amount_unit: type === "market" && side === "buy",
  };
}

const blank = (value) => value === undefined || value === null || String(value).trim() === "";

function checkStep(errors, field, value, step, label, what) {
  if (blank(value)) errors[field] = `Enter ${label}.`;
  else if (!isDecimal(value) || compare(value, "0") <= 0) errors[field] = `${words(label)} must be a positive number.`;
  else if (!isMultiple(value, step)) errors[field] = `${words(label)} must be a multiple of the ${what} ${trim(step)}.`;
}

const words = (label) => label.charAt(0).toUpperCase() + label.slice(1);

/** Problems with `values` for `market`, as {field: message}; empty when the order may go. */
export function validate(values, market) {
  const errors = {};
  const shown = visibleFields(values);
  if (shown.trigger_price) checkStep(errors, "trigger_price", values.trigger_price, market.tick_size, "a trigger price", "tick size");
  if (shown.price) checkStep(errors, "price", values.price, market.tick_size, "a price", "tick size");
  if (shown.amount_unit && values.amount_unit === "quote") {
    if (blank(values.quantity) || !isDecimal(values.quantity) || compare(values.quantity, "0") <= 0) {
      errors.quantity = `Enter the amount of ${market.quote} to spend.`;
    }
  } else {
    checkStep(errors, "quantity", values.quantity, market.lot_size, "an amount", "lot size");
    if (!errors.quantity && compare(values.quantity, market.min_qty) < 0) {
      errors.quantity = `The minimum amount is ${trim(market.min_qty)} ${market.base}.`;
    }
  }
  if (shown.price && !errors.price && !errors.quantity) {
    if (compare(mul(values.price, values.quantity), market.min_notional) < 0) {
      errors.quantity = `The order must be worth at least ${group(trim(market.min_notional))} ${market.quote}.`;
    }
  }
  if (shown.display_quantity && !blank(values.display_quantity)) {
    checkStep(errors, "display_quantity", values.display_quantity, market.lot_size, "the visible amount", "lot size");
    if (!errors.display_quantity && !errors.quantity && compare(values.display_quantity, values.quantity) > 0) {
      errors.display_quantity = "The visible amount cannot exceed the amount.";
    }
  }
  if (shown.expire_at && blank(values.expire_at)) errors.expire_at = "GTD orders need an expiry time.";
  if (!blank(values.client_order_id) && !/^[A-Za-z0-9._:/-]{1,64}$/.test(values.client_order_id)) {
    errors.client_order_id = "1 to 64 characters: letters, digits and . _ : / -";
  }
  return errors;
}

/** The body of POST /api/v1/orders (API.md) for valid `values`. */
export function orderBody(values, market) {
  const shown = visibleFields(values);
  const body = { symbol: market.symbol, side: values.side, type: values.type };
  if (shown.trigger_price) body.trigger_price = values.trigger_price.trim();
  if (shown.price) body.price = values.price.trim();
  if (shown.amount_unit && values.amount_unit === "quote") body.quote_quantity = values.quantity.trim();
  else body.quantity = values.quantity.trim();
  body.time_in_force = values.tif;
  if (shown.expire_at) body.expire_at = new Date(values.expire_at).toISOString();
  if (shown.post_only && values.post_only) body.post_only = true;
  if (shown.display_quantity && !blank(values.display_quantity)) {
    body.display_quantity = values.display_quantity.trim();
  }
  if (values.stp_mode && values.stp_mode !== "cancel_resting") body.stp_mode = values.stp_mode;
  if (!blank(values.client_order_id)) body.client_order_id = values.client_order_id.trim();
  return body;
}

/** The form field an API error's `field` belongs to. */
export function formField(field) {
  return { tif: "time_in_force", stp: "stp_mode", quote_quantity: "quantity" }[field] ?? field;
}
