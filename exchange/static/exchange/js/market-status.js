// A market's status (API.md, "Market safety"): trading, halted by an admin, or paused by its
// circuit breaker until `resumes_at`, the pause ending with a call auction. What the page
// says about it, and whether the order form may send an order. The words and the countdown
// are pure functions (tested in tests/page/test_control_modules.py); MarketStatusView draws
// them and ticks the countdown once a second.

import { $, clock, el } from "./dom.js";

const REASONS = {
  admin: "by the exchange's operator",
  circuit_breaker: "by the circuit breaker",
};

/** "4:12", "0:07", "1:02:03" for a number of milliseconds (rounded up: 0:00 only at the end). */
export function countdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/** Why a market does not trade, in words ("by the circuit breaker"; an unknown code as is). */
export function reasonText(code) {
  if (!code) return "";
  return REASONS[code] ?? `(${String(code).replace(/_/g, " ")})`;
}

/** The orders a call auction collects (matching/engine/breaker.py): plain resting limits. */
export function auctionTakes({ type, tif, post_only: postOnly }) {
  return type === "limit" && ["GTC", "GTD", "DAY"].includes(tif ?? "GTC") && !postOnly;
}

/**
 * What to say about `market` at `now` (ms, the server's clock as well as the page knows it):
 * {state, label, headline, detail, remainingMs, auction, blocks(values)}. `blocks(values)`
 * is the reason the order form may not send an order with those values, or "".
 */
export function describe(market, now = Date.now()) {
  const state = market?.status ?? "trading";
  if (state === "trading") {
    return { state, label: "", headline: "", detail: "", remainingMs: null, auction: false, blocks: () => "" };
  }
  if (state === "halted") {
    const why = reasonText(market.status_reason);
    const headline = `Trading is halted${why ? ` ${why}` : ""}`;
    const detail = "New orders and amends are refused until it resumes; you can still cancel your orders.";
    return { state, label: "Halted", headline, detail, remainingMs: null, auction: false, blocks: () => headline };
  }
  if (state === "paused") {
    const resumes = market.resumes_at ? Date.parse(market.resumes_at) : NaN;
    const remainingMs = Number.isNaN(resumes) ? null : Math.max(0, resumes - now);
    const auctionMs = Number(market.breaker_auction_s ?? 0) * 1000;
    const auction = remainingMs !== null && remainingMs > 0 && auctionMs > 0 && remainingMs <= auctionMs;
    const who = market.status_reason === "circuit_breaker" || !market.status_reason ? "Circuit breaker" : `Paused ${reasonText(market.status_reason)}`;
    let headline;
    if (remainingMs === null) headline = `${who}: trading is paused`;
    else if (remainingMs === 0) headline = `${who}: reopening now`;
    else headline = `${who}: reopens in ${countdown(remainingMs)}`;
    const at = Number.isNaN(resumes) ? "" : ` at ${clock(resumes)}`;
    const detail = auction
      ? `Call auction${at}: limit orders (GTC, GTD or Day, not post-only) are collected now and the market reopens at the single price that matches the most. Amends wait for the reopening; cancels work.`
      : `New orders and amends are refused until the market reopens${at}${auctionMs ? " (limit orders are collected for its opening auction in the last " + countdown(auctionMs) + ")" : ""}; you can still cancel your orders.`;
    const blocks = (values) => {
      if (auction && auctionTakes(values ?? {})) return "";
      if (auction) return "During the call auction only limit orders (GTC, GTD or Day, not post-only) are accepted.";
      return headline;
    };
    return { state, label: "Paused", headline, detail, remainingMs, auction, blocks };
  }
  const headline = `Market status: ${state}`;
  return { state, label: state, headline, detail: "", remainingMs: null, auction: false, blocks: () => headline };
}

/** The picker's words for a market: "BTC/USDT · halted". */
export function optionLabel(market) {
  const state = market.status ?? "trading";
  return `${market.base}/${market.quote}${state === "trading" ? "" : ` · ${state}`}`;
}

/**
 * The banner above the panels and the badge by the market picker. `update(market)` after any
 * change of the selected market's status; `onTick(fn)` is called each second while a pause
 * counts down (and once when it reaches zero: time to read /symbols again).
 */
export class MarketStatusView {
  constructor({ banner, badge }, { now = () => Date.now() } = {}) {
    this.banner = banner;
    this.badge = badge;
    this.now = now;
    this.market = null;
    this.timer = null;
    this.listeners = [];
  }

  onTick(fn) {
    this.listeners.push(fn);
  }

  update(market) {
    this.market = market;
    clearInterval(this.timer);
    this.timer = null;
    this.draw();
    if (market?.status === "paused" && market.resumes_at) {
      this.timer = setInterval(() => this.draw(), 1000);
    }
  }

  /** The description as of now. */
  get current() {
    return describe(this.market, this.now());
  }

  draw() {
    const info = this.current;
    const shown = info.state !== "trading";
    this.banner.hidden = !shown;
    this.banner.dataset.status = info.state;
    this.banner.dataset.auction = String(info.auction);
    if (shown) {
      const text = $(".market-banner-text", this.banner);
      text.replaceChildren(el("strong", { "data-testid": "market-headline" }, info.headline), " ", el("span", { class: "detail" }, info.detail));
    }
    if (this.badge) {
      this.badge.hidden = !shown;
      this.badge.dataset.status = info.state;
      this.badge.textContent = info.state === "paused" && info.remainingMs !== null ? `Paused ${countdown(info.remainingMs)}` : info.label;
      this.badge.title = info.headline;
    }
    this.listeners.forEach((fn) => fn(info));
  }
}
