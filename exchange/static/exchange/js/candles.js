// Candles and volume with TradingView's Lightweight Charts (vendored from npm, see Makefile).
// Intervals without a trade stay on the time axis as empty slots (the library's whitespace
// data items, `{time}` alone), so 16:14 is never drawn next to 16:40 as if they followed.

import {
  CandlestickSeries,
  ColorType,
  createChart,
  HistogramSeries,
} from "../vendor/lightweight-charts.standalone.production.mjs";
import { get } from "./api.js";
import { group, placesOf } from "./decimal.js";
import { cssVar } from "./dom.js";
import { dateTime, dayLabel } from "./format.js";

export const INTERVALS = { "1m": 60, "5m": 300, "1h": 3600, "1d": 86400 };

/** A candle from the REST list or a socket message: [open_time_ms, o, h, l, c, v] or fields. */
export function parseCandle(source) {
  const row = source.candle ?? source.kline ?? source;
  const values = Array.isArray(row)
    ? row
    : [
        row.open_time ?? row.t ?? row.time,
        row.open ?? row.o,
        row.high ?? row.h,
        row.low ?? row.l,
        row.close ?? row.c,
        row.volume ?? row.v,
      ];
  const [openTime, open, high, low, close, volume] = values;
  if (openTime === undefined || open === undefined) return null;
  const time = Math.floor(Number(openTime) / 1000);
  return {
    bar: { time, open: +open, high: +high, low: +low, close: +close },
    volume: { time, value: +volume, up: +close >= +open },
  };
}

/** Most empty slots kept on the axis (a long quiet spell beyond that is drawn as a jump). */
export const MAX_SLOTS = 20000;

/**
 * The chart's slots from `rows` (parseCandle's, any order): each interval of `seconds` from
 * the first candle to the last (and on to `until`, the current interval's open time, when
 * given) is one slot, {time, bar, volume} where a candle is, {time} alone where no trade
 * was. {slots, bars, gaps}: `gaps` counts the empty slots between the first and last candle.
 */
export function withGaps(rows, seconds, { until = null, max = MAX_SLOTS } = {}) {
  const sorted = [...rows].sort((a, b) => a.bar.time - b.bar.time);
  const slots = [];
  let gaps = 0;
  let budget = max;
  const fill = (from, to, count) => {
    // the empty intervals after `from`, before `to`
    const missing = Math.floor((to - from) / seconds) - 1;
    if (missing <= 0 || missing > budget) return 0;
    budget -= missing;
    for (let time = from + seconds; time < to; time += seconds) slots.push({ time });
    return count ? missing : 0;
  };
  for (const row of sorted) {
    const previous = slots.at(-1);
    if (previous && previous.time === row.bar.time) {
      slots[slots.length - 1] = { time: row.bar.time, bar: row.bar, volume: row.volume };
      continue;
    }
    if (previous) gaps += fill(previous.time, row.bar.time, true);
    slots.push({ time: row.bar.time, bar: row.bar, volume: row.volume });
  }
  if (until !== null && slots.length) fill(slots.at(-1).time, until + seconds, false);
  return { slots, bars: sorted.length, gaps };
}

/** The open time (s) of the interval of `seconds` that holds `nowMs`. */
export const currentSlot = (seconds, nowMs = Date.now()) => Math.floor(nowMs / 1000 / seconds) * seconds;

// Tick marks and the crosshair's time in local time, dates unambiguous (month by name, or
// ISO-like year-month-day): the library's TickMarkType is Year 0, Month 1, DayOfMonth 2,
// Time 3, TimeWithSeconds 4.
function tickMark(time, type) {
  const date = new Date(time * 1000);
  const hm = dateTime(date).slice(11, 16);
  if (type === 0) return String(date.getFullYear());
  if (type === 1) return dayLabel(date, { day: false });
  if (type === 2) return dayLabel(date);
  if (type === 4) return dateTime(date).slice(11);
  return hm;
}

const crosshairTime = (time) => dateTime(time * 1000).slice(0, 16);

const EXTEND_MS = 5000; // how often the axis grows an empty slot for the current interval
// Empty slots after the last candle, at most: a market quiet for hours keeps its last candles
// in view (the gap shows whole once the next trade comes).
export const TRAILING_SLOTS = 30;

export class CandleChart {
  constructor(container) {
    this.container = container;
    this.interval = "1m";
    this.slots = [];
    this.chart = createChart(container, { autoSize: true });
    this.candles = this.chart.addSeries(CandlestickSeries, {});
    this.volume = this.chart.addSeries(HistogramSeries, {
      priceScaleId: "volume",
      priceFormat: { type: "volume" },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    // volume in the bottom fifth, under the candles
    this.chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    this.chart.priceScale("right").applyOptions({ scaleMargins: { top: 0.08, bottom: 0.22 } });
    this.applyTheme();
    // a quiet market: time goes on, the axis too (an empty slot for each new interval)
    setInterval(() => this.extend(), EXTEND_MS);
  }

  get seconds() {
    return INTERVALS[this.interval] ?? 60;
  }

  applyTheme() {
    const text = cssVar("--muted");
    const grid = cssVar("--grid");
    this.up = cssVar("--buy");
    this.down = cssVar("--sell");
    this.upVolume = cssVar("--buy-soft");
    this.downVolume = cssVar("--sell-soft");
    this.chart.applyOptions({
      layout: {
        background: { type: ColorType.Solid, color: "transparent" },
        textColor: text,
        fontFamily: cssVar("--font-mono"),
        fontSize: 11,
      },
      grid: { vertLines: { color: grid }, horzLines: { color: grid } },
      rightPriceScale: { borderColor: grid },
      timeScale: {
        borderColor: grid,
        timeVisible: true,
        secondsVisible: false,
        barSpacing: 12,
        rightOffset: 8,
        tickMarkFormatter: tickMark,
      },
      crosshair: { mode: 0 },
    });
    this.candles.applyOptions({
      upColor: this.up,
      downColor: this.down,
      borderVisible: false,
      wickUpColor: this.up,
      wickDownColor: this.down,
    });
    if (this.slots.length) this.volume.setData(this.slots.map((slot) => this.volumeItem(slot)));
  }

  volumeBar({ time, value, up }) {
    return { time, value, color: up ? this.upVolume : this.downVolume };
  }

  /** A slot as the volume series takes it: a bar, or whitespace. */
  volumeItem(slot) {
    return slot.volume ? this.volumeBar(slot.volume) : { time: slot.time };
  }

  /** Every slot drawn again (a load, or a candle that arrived out of order). */
  redraw() {
    this.candles.setData(this.slots.map((slot) => slot.bar ?? { time: slot.time }));
    this.volume.setData(this.slots.map((slot) => this.volumeItem(slot)));
    this.describe();
  }

  /** The slots counted on the container, for tests and assistive tools. */
  describe() {
    const bars = this.slots.filter((slot) => slot.bar);
    const first = bars[0]?.time;
    const last = bars.at(-1)?.time;
    const gaps = this.slots.filter((slot) => !slot.bar && slot.time > first && slot.time < last).length;
    Object.assign(this.container.dataset, { bars: String(bars.length), gaps: String(gaps), slots: String(this.slots.length) });
  }

  /** Loads the market's candles of the current interval from the REST API. */
  async load(market) {
    this.market = market;
    const places = placesOf(market.tick_size);
    const minMove = Number(market.tick_size);
    this.candles.applyOptions({ priceFormat: { type: "price", precision: places, minMove } });
    this.chart.applyOptions({
      localization: { priceFormatter: (price) => group(price.toFixed(places)), timeFormatter: crosshairTime },
    });
    const interval = this.interval;
    const page = await get(`/candles/${market.symbol}?interval=${interval}`);
    if (this.market !== market || this.interval !== interval) return; // changed meanwhile
    const rows = page.results.map(parseCandle).filter(Boolean);
    const last = rows.reduce((most, row) => Math.max(most, row.bar.time), 0);
    const until = Math.min(currentSlot(this.seconds), last + TRAILING_SLOTS * this.seconds);
    this.slots = withGaps(rows, this.seconds, { until }).slots;
    this.redraw();
    this.container.classList.toggle("is-empty", rows.length === 0);
    this.chart.priceScale("right").applyOptions({ visible: rows.length > 0 });
    this.chart.timeScale().scrollToRealTime();
  }

  /** Empty slots up to the current interval, while no trade comes. */
  extend() {
    const last = this.slots.at(-1);
    const lastBar = this.slots.findLast((slot) => slot.bar);
    if (!last || !lastBar) return;
    const now = Math.min(currentSlot(this.seconds), lastBar.time + TRAILING_SLOTS * this.seconds);
    if (now <= last.time) return;
    for (let time = last.time + this.seconds; time <= now; time += this.seconds) {
      this.slots.push({ time });
      this.candles.update({ time });
      this.volume.update({ time });
    }
  }

  /** The current candle as it changes (the socket's candles channel). */
  update(message) {
    if (message.type !== "candle" || (message.interval && message.interval !== this.interval)) return;
    const row = parseCandle(message);
    if (!row) return;
    const slot = { time: row.bar.time, bar: row.bar, volume: row.volume };
    const lastBar = this.slots.findLast((each) => each.bar);
    if (lastBar && row.bar.time < lastBar.time) return; // an old candle: the chart only appends
    const last = this.slots.at(-1);
    if (!last || row.bar.time >= last.time) {
      // the empty intervals since the last slot, then the candle
      if (last && (row.bar.time - last.time) / this.seconds <= MAX_SLOTS) {
        for (let time = last.time + this.seconds; time < row.bar.time; time += this.seconds) {
          this.slots.push({ time });
          this.candles.update({ time });
          this.volume.update({ time });
        }
      }
      if (this.slots.at(-1)?.time === slot.time) this.slots[this.slots.length - 1] = slot;
      else this.slots.push(slot);
      this.candles.update(row.bar);
      this.volume.update(this.volumeBar(row.volume));
    } else {
      // into an empty slot already on the axis (the page's clock ran ahead of the candle)
      const index = this.slots.findIndex((each) => each.time === slot.time);
      if (index >= 0) this.slots[index] = slot;
      else this.slots = withGaps([...this.slots.filter((each) => each.bar), row], this.seconds, { until: this.slots.at(-1).time }).slots;
      this.redraw();
    }
    this.describe();
    this.container.classList.remove("is-empty");
    this.chart.priceScale("right").applyOptions({ visible: true });
  }
}
