// Candles and volume with TradingView's Lightweight Charts (vendored from npm, see Makefile).

import {
  CandlestickSeries,
  ColorType,
  createChart,
  HistogramSeries,
} from "../vendor/lightweight-charts.standalone.production.mjs";
import { get } from "./api.js";
import { group, placesOf } from "./decimal.js";
import { cssVar } from "./dom.js";

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

export class CandleChart {
  constructor(container) {
    this.container = container;
    this.interval = "1m";
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
      timeScale: { borderColor: grid, timeVisible: true, secondsVisible: false, barSpacing: 12, rightOffset: 8 },
      crosshair: { mode: 0 },
    });
    this.candles.applyOptions({
      upColor: this.up,
      downColor: this.down,
      borderVisible: false,
      wickUpColor: this.up,
      wickDownColor: this.down,
    });
    if (this.data) this.volume.setData(this.data.map((v) => this.volumeBar(v)));
  }

  volumeBar({ time, value, up }) {
    return { time, value, color: up ? this.upVolume : this.downVolume };
  }

  /** Loads the market's candles of the current interval from the REST API. */
  async load(market) {
    this.market = market;
    const places = placesOf(market.tick_size);
    const minMove = Number(market.tick_size);
    this.candles.applyOptions({ priceFormat: { type: "price", precision: places, minMove } });
    this.chart.applyOptions({
      localization: { priceFormatter: (price) => group(price.toFixed(places)) },
    });
    const interval = this.interval;
    const page = await get(`/candles/${market.symbol}?interval=${interval}`);
    if (this.market !== market || this.interval !== interval) return; // changed meanwhile
    const rows = page.results.map(parseCandle).filter(Boolean);
    this.candles.setData(rows.map((row) => row.bar));
    this.data = rows.map((row) => row.volume);
    this.volume.setData(this.data.map((v) => this.volumeBar(v)));
    this.container.classList.toggle("is-empty", rows.length === 0);
    this.chart.priceScale("right").applyOptions({ visible: rows.length > 0 });
    this.chart.timeScale().scrollToRealTime();
  }

  /** The current candle as it changes (the socket's candles channel). */
  update(message) {
    if (message.type !== "candle" || (message.interval && message.interval !== this.interval)) return;
    const row = parseCandle(message);
    if (!row) return;
    const last = this.data?.at(-1);
    if (last && row.bar.time < last.time) return; // an old candle: the chart only appends
    this.candles.update(row.bar);
    this.volume.update(this.volumeBar(row.volume));
    if (last && last.time === row.volume.time) this.data[this.data.length - 1] = row.volume;
    else this.data?.push(row.volume);
    this.container.classList.remove("is-empty");
    this.chart.priceScale("right").applyOptions({ visible: true });
  }
}
