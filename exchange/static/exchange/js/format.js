// How the page writes numbers and times: fixed decimals per market and per asset, the same
// everywhere (book, trades, ticker, form, orders, fills, balances, charts), and ISO-like dates.
//
// The rule:
// - a price has the places of its market's tick size ("50,000.00" for a 0.01 tick);
// - a quantity of the base asset has the places of the market's lot size ("0.01200");
// - an amount of an asset (a balance, a fee, a total, a 24 h volume) has the asset's places:
//   a market's quote asset takes its quote_precision (the places the exchange keeps quote
//   amounts and fees in, so a balance or fee is never rounded), a base asset the places of
//   its lot size; an asset that is both takes the larger. An unknown asset is shown as sent.
// A value with more places than that is rounded half up for display, and its exact value is
// the element's tooltip. The CSV export does not pass through here: it stays raw.

import { compare, fromUnits, group, isDecimal, placesOf, toUnits } from "./decimal.js";
import { el } from "./dom.js";

const registry = { markets: new Map(), assets: new Map() };

/** The places of the market's quote amounts: quote_precision, else tick places + lot places. */
export function quotePlaces(market) {
  const precision = Number(market.quote_precision);
  if (Number.isInteger(precision) && precision >= 0) return precision;
  return placesOf(market.tick_size) + placesOf(market.lot_size);
}

/** asset -> places, from the markets (see the rule above). */
export function assetPlaces(markets) {
  const places = new Map();
  const keep = (asset, count) => places.set(asset, Math.max(places.get(asset) ?? 0, count));
  for (const market of markets) {
    keep(market.base, placesOf(market.lot_size));
    keep(market.quote, quotePlaces(market));
  }
  return places;
}

/** The markets the page knows: every later call formats by them. */
export function setMarkets(markets) {
  registry.markets = new Map(markets.map((m) => [m.symbol, m]));
  registry.assets = assetPlaces(markets);
}

const marketOf = (market) => (typeof market === "string" ? registry.markets.get(market) : market) ?? null;

/** `text` rounded half up (ties away from zero) to exactly `places` places; null if not a decimal. */
export function roundTo(text, places) {
  if (!isDecimal(text)) return null;
  const have = placesOf(text);
  const units = toUnits(text, have);
  if (have <= places) return fromUnits(units * 10n ** BigInt(places - have), places);
  const drop = 10n ** BigInt(have - places);
  const negative = units < 0n;
  const size = negative ? -units : units;
  let rounded = size / drop;
  if ((size % drop) * 2n >= drop) rounded += 1n;
  return fromUnits(negative ? -rounded : rounded, places);
}

/**
 * {text, exact, rounded}: `value` written with `places` places, grouped by thousands; `exact`
 * is the value as given, `rounded` true when the display dropped something. A missing value
 * is "—"; `places` null writes the value as it came (grouped).
 */
export function fixed(value, places) {
  if (value === null || value === undefined || value === "") return { text: "—", exact: "", rounded: false };
  const raw = String(value);
  if (places === null || places === undefined || !isDecimal(raw)) return { text: group(raw), exact: raw, rounded: false };
  const shown = roundTo(raw, places);
  return { text: group(shown), exact: raw, rounded: compare(shown, raw) !== 0 };
}

/** A price of `market` (a market or its symbol): the tick's places. */
export const price = (value, market) => fixed(value, placesOr(marketOf(market)?.tick_size));
/** A base quantity of `market`: the lot's places. */
export const qty = (value, market) => fixed(value, placesOr(marketOf(market)?.lot_size));
/** An amount of `asset` (balance, fee, total, volume): the asset's places. */
export const amount = (value, asset) => fixed(value, registry.assets.get(asset) ?? null);
/** The places of `asset`, or null when no market names it. */
export const placesOfAsset = (asset) => registry.assets.get(asset) ?? null;

function placesOr(step) {
  return step === undefined || step === null ? null : placesOf(step);
}

/** Just the text of a formatted value (for sentences, toasts, labels). */
export const text = (formatted) => formatted.text;

/** A cell's content: the text, and the exact value as its tooltip where it was rounded. */
export function numNode(formatted, { tag = "span", cls = "", unit = "" } = {}) {
  const title = formatted.rounded ? `${formatted.exact}${unit ? ` ${unit}` : ""} (exact)` : null;
  const shown = unit && formatted.text !== "—" ? `${formatted.text} ${unit}` : formatted.text;
  return el(tag, { class: cls || null, title, dataset: formatted.rounded ? { exact: formatted.exact } : {} }, shown);
}

/** Sets `node`'s text to `formatted` (and its tooltip to the exact value where rounded). */
export function setNum(node, formatted, unit = "") {
  node.textContent = unit && formatted.text !== "—" ? `${formatted.text} ${unit}` : formatted.text;
  if (formatted.rounded) {
    node.title = `${formatted.exact}${unit ? ` ${unit}` : ""} (exact)`;
    node.dataset.exact = formatted.exact;
  } else {
    node.removeAttribute("title");
    delete node.dataset.exact;
  }
}

// ---- dates ----

/** "2026-12-06 16:14:35" in local time (dom.js shortDateTime): never "12-06" alone. */
export { shortDateTime as dateTime } from "./dom.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "6 Dec 2026", "6 Dec", "Dec 2026": the chart's day marks, with the month by name. */
export function dayLabel(date, { year = false, day = true } = {}) {
  const month = MONTHS[date.getMonth()];
  if (!day) return `${month} ${date.getFullYear()}`;
  return `${date.getDate()} ${month}${year ? ` ${date.getFullYear()}` : ""}`;
}
