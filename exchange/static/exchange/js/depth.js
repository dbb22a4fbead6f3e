// The depth chart: cumulative bid and ask quantity against price, drawn on a canvas from the
// same book state as the ladder. Floats here only place pixels; no value is computed from them.

import { group } from "./decimal.js";
import { cssVar, everyFrame } from "./dom.js";

const LEVELS = 200;
const PAD = { top: 18, right: 8, bottom: 20, left: 8 };

export class DepthChart {
  constructor(container, book) {
    this.container = container;
    this.book = book;
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
    if (!bids.length && !asks.length) {
      ctx.fillStyle = cssVar("--muted");
      ctx.textAlign = "center";
      ctx.fillText("No orders in the book yet", width / 2, height / 2);
      return;
    }
    const mid =
      bids.length && asks.length
        ? (bids[0].price + asks[0].price) / 2
        : (bids[0] || asks[0]).price;
    const reach = Math.max(
      bids.length ? mid - bids.at(-1).price : 0,
      asks.length ? asks.at(-1).price - mid : 0,
      mid * 0.001,
    );
    const low = Math.max(0, mid - reach * 1.05);
    const high = mid + reach * 1.05;
    const top = Math.max(bids.at(-1)?.total || 0, asks.at(-1)?.total || 0) * 1.15;
    const plot = { w: width - PAD.left - PAD.right, h: height - PAD.top - PAD.bottom };
    const x = (price) => PAD.left + ((price - low) / (high - low)) * plot.w;
    const y = (total) => PAD.top + plot.h - (total / top) * plot.h;
    this.area(ctx, bids, x, y, x(low), cssVar("--buy"));
    this.area(ctx, asks, x, y, x(high), cssVar("--sell"));
    this.axis(ctx, { width, height, low, high, mid, x });
    if (this.hover !== null) this.crosshair(ctx, { bids, asks, x, low, high, plot, height });
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

  axis(ctx, { width, height, low, high, mid, x }) {
    ctx.fillStyle = cssVar("--muted");
    ctx.textBaseline = "alphabetic";
    const digits = mid >= 1000 ? 2 : mid >= 1 ? 4 : 6;
    ctx.textAlign = "left";
    ctx.fillText(group(low.toFixed(digits)), PAD.left, height - 5);
    ctx.textAlign = "right";
    ctx.fillText(group(high.toFixed(digits)), width - PAD.right, height - 5);
    ctx.textAlign = "center";
    ctx.fillText(`Mid ${group(mid.toFixed(digits))}`, x(mid), 12);
    ctx.strokeStyle = cssVar("--line");
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(x(mid), PAD.top);
    ctx.lineTo(x(mid), height - PAD.bottom);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  crosshair(ctx, { bids, asks, x, low, high, plot, height }) {
    const price = low + ((this.hover - PAD.left) / plot.w) * (high - low);
    const side = bids.length && price <= bids[0].price ? bids : asks;
    const inside = side === bids ? (l) => l.price >= price : (l) => l.price <= price;
    const reached = side.filter(inside).at(-1);
    ctx.strokeStyle = cssVar("--muted");
    ctx.beginPath();
    ctx.moveTo(this.hover, PAD.top);
    ctx.lineTo(this.hover, height - PAD.bottom);
    ctx.stroke();
    if (!reached) return;
    const label = `${group(reached.price.toString())} · ${reached.total.toPrecision(6)}`;
    ctx.fillStyle = cssVar("--text");
    ctx.textAlign = this.hover > x((low + high) / 2) ? "right" : "left";
    ctx.fillText(label, this.hover + (ctx.textAlign === "left" ? 6 : -6), PAD.top + 12);
  }
}
