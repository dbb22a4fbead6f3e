// What a market order would do against the book the page holds: the levels of the other side
// walked from the best price out, exactly (decimal strings, no floats). An estimate only: the
// book may move before the order arrives. No DOM here (tested in tests/page/).

import { add, compare, divFloor, floorToStep, isDecimal, mul, placesOf, sub } from "./decimal.js";

/**
 * Walks `levels` ([[price, quantity], ...], best first: the asks for a buy, the bids for a
 * sell) for a market order of `quantity` (base) or, for a buy by amount, `quote` (what to
 * spend, the fee on top). `lot` is the market's lot size (a quote amount buys whole lots).
 *
 * Returns null when the amount is not a positive decimal, else
 * {filled, notional, avgPrice, worstPrice, levels, complete, wanted, missing}:
 * `filled` the base quantity that would fill, `notional` its cost or proceeds in quote,
 * `avgPrice` notional ÷ filled (null when nothing fills; `avgPlaces` places, rounded down),
 * `complete` false when the book cannot fill the order, `missing` what would be left unfilled
 * (base, or quote for a buy by amount).
 */
export function walkBook(levels, { quantity = null, quote = null, lot, avgPlaces = 8 }) {
  const byQuote = quote !== null && quote !== undefined && quote !== "";
  const wanted = byQuote ? String(quote).trim() : String(quantity ?? "").trim();
  if (!isDecimal(wanted) || compare(wanted, "0") <= 0) return null;
  let left = wanted; // base still to fill, or quote still to spend
  let filled = "0";
  let notional = "0";
  let worstPrice = null;
  let used = 0;
  for (const [price, size] of levels) {
    if (compare(left, "0") <= 0) break;
    let take;
    if (byQuote) {
      const cost = mul(price, size);
      take = compare(cost, left) <= 0 ? size : floorToStep(divFloor(left, price, placesOf(lot)), lot);
      if (compare(take, "0") <= 0) {
        left = "0"; // less than a lot's worth is left: the order is done
        break;
      }
    } else {
      take = compare(size, left) <= 0 ? size : left;
    }
    const cost = mul(price, take);
    filled = add(filled, take);
    notional = add(notional, cost);
    left = sub(left, byQuote ? cost : take);
    worstPrice = price;
    used += 1;
  }
  const complete = compare(left, "0") <= 0;
  const avgPrice = compare(filled, "0") > 0 ? divFloor(notional, filled, avgPlaces) : null;
  return {
    byQuote,
    wanted,
    filled,
    notional,
    avgPrice,
    worstPrice,
    levels: used,
    complete,
    missing: complete ? "0" : left,
  };
}

/** The taker fee on `notional` at `rate`, rounded half up to `places` (the quote's places). */
export function feeOn(notional, rate, places) {
  if (!isDecimal(rate)) return null;
  const exact = mul(notional, rate);
  const step = places ? `0.${"0".repeat(places - 1)}1` : "1";
  const down = floorToStep(exact, step);
  const half = mul(step, "0.5");
  return compare(sub(exact, down), half) >= 0 ? add(down, step) : down;
}
