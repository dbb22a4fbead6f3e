// The depth chart: cumulative bid and ask quantity against price, drawn on a canvas from the
// same book state as the ladder, with a quantity axis on the right and the prices below.
// The mid is (best bid + best ask) / 2, drawn only when both sides have orders. Floats here
// only place pixels; the labels are written with the market's tick and lot places.

import { add, divFloor, group, placesOf } from "./decimal.js";
import { cssVar, everyFrame } from "./dom.js";
import { price as fmtPrice, qty as fmtQty } from "./format.js";

const LEVELS = 200;
const PAD = { top: 18, right: 8, bottom: 20, left: 8 };
const TICKS = 4;

/** A round step (1, 2 or 5 × 10^n) near `raw`. */
export function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/**
 * Where the chart's axes go, from the cumulative sides ([{price, total}], numbers, best
 * first): {mid, low, high, top, ticks}. `mid` is null unless both sides have a level;
 * `ticks` are the quantity axis's values (0 excluded), `top` the axis's height.
 */
export function depthScale(bids, asks) {
  if (!bids.length && !asks.length) return null;
  const both = bids.length > 0 && asks.length > 0;
  const mid = both ? (bids[0].price + asks[0].price) / 2 : null;
  // one side only: the chart spreads out from its best price
  const centre = both ? mid : (bids[0] || asks[0]).price;
  const reach = Math.max(
    bids.length ? centre - bids.at(-1).price : 0,
    asks.length ? asks.at(-1).price - centre : 0,
    centre * 0.001,
  );
  const low = Math.max(0, centre - reach * 1.05);
  const high = centre + reach * 1.05;
  const most = Math.max(bids.at(-1)?.total || 0, asks.at(-1)?.total || 0);
  const step = niceStep((most * 1.1) / TICKS);
  const ticks = [];
  for (let value = step; value <= most * 1.1 + step * 1e-9; value += step) ticks.push(Number(value.toPrecision(12)));
  const top = Math.max(most * 1.15, ticks.at(-1) ?? 0) || 1;
  return { mid, low, high, top, ticks };
}

/** The exact mid of the book's best prices as text (one more place than the tick), or null. */
export function exactMid(book) {
  const { bids, asks } = book.top(1);
  if (!bids.length || !asks.length) return null;
  const places = Math.max(placesOf(bids[0][0]), placesOf(asks[0][0])) + 1;
  return divFloor(add(bids[0][0], asks[0][0]), "2", places);
}

export class DepthChart {
  constructor(container, book) {
    this.container = container;
    this.book = book;
    this.market = null;
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("aria-label", "Depth chart");
    this.canvas.setAttribute("role", "img");
    container.append(this.canvas);
    this.hover = null;
    this.render = everyFrame(() => this.draw());
    new ResizeObserver(() => this.render()).observe(container);
    this.canvas.addEventListener("mousemove", (event) => {
      this.hover = event.offsetX;
      this.render();
    });
    this.canvas.addEventListener("mouseleave", () => {
      this.hover = null;
      this.render();
    });
  }

  setMarket(market) {
    this.market = market;
    this.render();
  }

  /** [{price, total}] a side, best first, as numbers for drawing. */
  sides() {
    const { bids, asks } = this.book.top(LEVELS);
    const run = (levels) => {
      let total = 0;
      return levels.map(([price, quantity]) => {
        total += Number(quantity);
        return { price: Number(price), total };
      });
    };
    return { bids: run(bids), asks: run(asks) };
  }

  /** Labels: a price with the tick's places, a quantity with the lot's. */
  priceText(value) {
    const places = this.market ? placesOf(this.market.tick_size) : 2;
    return fmtPrice(value.toFixed(places), this.market).text;
  }

  qtyText(value) {
    const places = this.market ? placesOf(this.market.lot_size) : 4;
    return fmtQty(value.toFixed(places), this.market).text;
  }

  draw() {
    const { width, height } = this.container.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.floor(width * ratio));
    this.canvas.height = Math.max(1, Math.floor(height * ratio));
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = `11px ${cssVar("--font-mono")}`;
    const { bids, asks } = this.sides();
    const scale = depthScale(bids, asks);
    const mid = exactMid(this.book);
    // what is drawn, for the page's tests and assistive tools
    this.canvas.dataset.mid = mid === null ? "" : mid;
    this.canvas.dataset.qtyTicks = scale ? scale.ticks.map((t) => this.qtyText(t)).join(" ") : "";
    this.canvas.dataset.midLabel = "";
    if (!scale) {
      this.canvas.setAttribute("aria-label", "Depth chart: no orders in the book");
      ctx.fillStyle = cssVar("--muted");
      ctx.textAlign = "center";
      ctx.fillText("No orders in the book yet", width / 2, height / 2);
      return;
    }
    const labels = scale.ticks.map((t) => this.qtyText(t));
    const axisWidth = Math.ceil(Math.max(0, ...labels.map((l) => ctx.measureText(l).width))) + 10;
    const pad = { ...PAD, right: PAD.right + axisWidth };
    const { low, high, top } = scale;
    const plot = { w: Math.max(10, width - pad.left - pad.right), h: height - pad.top - pad.bottom };
    const x = (price) => pad.left + ((price - low) / (high - low)) * plot.w;
    const y = (total) => pad.top + plot.h - (total / top) * plot.h;
    this.quantityAxis(ctx, { scale, labels, pad, plot, y, width });
    this.area(ctx, bids, x, y, x(low), cssVar("--buy"));
    this.area(ctx, asks, x, y, x(high), cssVar("--sell"));
    // the mid exactly: the tick's places, one more when it falls between two ticks
    const shown = mid === null ? null : fmtPrice(mid, this.market);
    const midText = shown === null ? null : shown.rounded ? group(mid) : shown.text;
    this.canvas.dataset.midLabel = midText ?? "";
    this.priceAxis(ctx, { height, low, high, mid: scale.mid, midText, x, pad, plot });
    this.canvas.setAttribute(
      "aria-label",
      `Depth chart${mid === null ? ", one side of the book is empty: no mid" : `, mid ${midText}`}`,
    );
    if (this.hover !== null) this.crosshair(ctx, { bids, asks, x, low, high, plot, pad, height });
  }

  /** Grid lines and labels of the cumulative quantity, on the right. */
  quantityAxis(ctx, { scale, labels, pad, plot, y, width }) {
    ctx.strokeStyle = cssVar("--grid");
    ctx.fillStyle = cssVar("--muted");
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    scale.ticks.forEach((tick, index) => {
      const at = Math.round(y(tick)) + 0.5;
      if (at < pad.top) return;
      ctx.beginPath();
      ctx.moveTo(pad.left, at);
      ctx.lineTo(pad.left + plot.w, at);
      ctx.stroke();
      ctx.fillText(labels[index], width - PAD.right, at);
    });
    ctx.textBaseline = "alphabetic";
    const unit = this.market?.base;
    if (unit) {
      ctx.fillStyle = cssVar("--faint");
      ctx.fillText(unit, width - PAD.right, 12);
    }
  }

  /** A stepped area from the best price out to `edge`. */
  area(ctx, levels, x, y, edge, colour) {
    if (!levels.length) return;
    const base = y(0);
    ctx.beginPath();
    ctx.moveTo(x(levels[0].price), base);
    let previous = base;
    for (const level of levels) {
      ctx.lineTo(x(level.price), previous);
      ctx.lineTo(x(level.price), y(level.total));
      previous = y(level.total);
    }
    ctx.lineTo(edge, previous);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.lineTo(edge, base);
    ctx.closePath();
    ctx.globalAlpha = 0.18;
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  /** The lowest and highest price below, and the mid (only with both sides). */
  priceAxis(ctx, { height, low, high, mid, midText, x, pad, plot }) {
    ctx.fillStyle = cssVar("--muted");
    ctx.textBaseline = "alphabetic";
    ctx.textAlign = "left";
    ctx.fillText(this.priceText(low), pad.left, height - 5);
    ctx.textAlign = "right";
    ctx.fillText(this.priceText(high), pad.left + plot.w, height - 5);
    if (mid === null) return;
    ctx.textAlign = "center";
    ctx.fillText(`Mid ${midText}`, x(mid), 12);
    ctx.strokeStyle = cssVar("--line");
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(x(mid), pad.top);
    ctx.lineTo(x(mid), height - pad.bottom);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  crosshair(ctx, { bids, asks, x, low, high, plot, pad, height }) {
    const price = low + ((this.hover - pad.left) / plot.w) * (high - low);
    const side = bids.length && price <= bids[0].price ? bids : asks;
    const inside = side === bids ? (l) => l.price >= price : (l) => l.price <= price;
    const reached = side.filter(inside).at(-1);
    ctx.strokeStyle = cssVar("--muted");
    ctx.beginPath();
    ctx.moveTo(this.hover, pad.top);
    ctx.lineTo(this.hover, height - pad.bottom);
    ctx.stroke();
    if (!reached) return;
    const label = `${this.priceText(reached.price)} · ${this.qtyText(reached.total)}`;
    ctx.fillStyle = cssVar("--text");
    ctx.textAlign = this.hover > x((low + high) / 2) ? "right" : "left";
    ctx.fillText(label, this.hover + (ctx.textAlign === "left" ? 6 : -6), pad.top + 12);
  }
}
