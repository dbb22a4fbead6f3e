// Exact decimal arithmetic on the API's decimal strings, as BigInt units of 10^-places.
// Prices and quantities never pass through floats except to draw a chart.

const DECIMAL = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/;

/** Digits after the point of a decimal string ("0.00001" -> 5, "10" -> 0). */
export function placesOf(text) {
  const match = DECIMAL.exec(String(text ?? ""));
  return match && match[3] ? match[3].length : 0;
}

/** True when `text` is a plain decimal number (no exponent, at least one digit). */
export function isDecimal(text) {
  const match = DECIMAL.exec(String(text ?? ""));
  return Boolean(match && (match[2] || match[3]));
}

/** `text` as a BigInt count of 10^-places, or null if it is not a decimal or has more places. */
export function toUnits(text, places) {
  const match = DECIMAL.exec(String(text ?? ""));
  if (!match || !(match[2] || match[3])) return null;
  const fraction = (match[3] || "").replace(/0+$/, "");
  if (fraction.length > places) return null;
  const units = BigInt((match[2] || "0") + fraction.padEnd(places, "0"));
  return match[1] === "-" ? -units : units;
}

/** A BigInt count of 10^-places written as a decimal string with exactly `places` places. */
export function fromUnits(units, places) {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(places + 1, "0");
  const whole = digits.slice(0, digits.length - places);
  const fraction = places ? "." + digits.slice(digits.length - places) : "";
  return (negative ? "-" : "") + whole + fraction;
}

/** Both values in units of their common places: [a, b, places]. */
function common(a, b) {
  const places = Math.max(placesOf(a), placesOf(b));
  return [toUnits(a, places), toUnits(b, places), places];
}

/** True when `value` is a whole multiple of `step` (the market's tick or lot). */
export function isMultiple(value, step) {
  const [v, s] = common(value, step);
  return v !== null && s !== null && s > 0n && v % s === 0n;
}

/** -1, 0 or 1 as a is below, equal to or above b. */
export function compare(a, b) {
  const [x, y] = common(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** a + b, exactly. */
export function add(a, b) {
  const [x, y, places] = common(a, b);
  return fromUnits(x + y, places);
}

/** a − b, exactly. */
export function sub(a, b) {
  const [x, y, places] = common(a, b);
  return fromUnits(x - y, places);
}

/** a × b, exactly (the places add up). */
export function mul(a, b) {
  const pa = placesOf(a);
  const pb = placesOf(b);
  return fromUnits(toUnits(a, pa) * toUnits(b, pb), pa + pb);
}

/** a ÷ b rounded down to `places` places (b > 0). */
export function divFloor(a, b, places) {
  const [x, y] = common(a, b);
  const scaled = (x * 10n ** BigInt(places)) / y;
  return fromUnits(scaled, places);
}

/** The largest multiple of `step` not above `value` (value ≥ 0), with the step's places. */
export function floorToStep(value, step) {
  const [v, s] = common(value, step);
  const places = placesOf(step);
  return fromUnits((v / s) * toUnits(step, places), places);
}

/** Trailing zeros of the fraction dropped ("1.2300" -> "1.23", "5.00" -> "5"). */
export function trim(text) {
  const value = String(text);
  return value.includes(".") ? value.replace(/0+$/, "").replace(/\.$/, "") : value;
}

/** The integer part grouped by thousands for display ("50000.10" -> "50,000.10"). */
export function group(text) {
  if (text === null || text === undefined || text === "") return "—";
  const [whole, fraction] = String(text).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** `text` written with exactly `places` places when that loses nothing ("49000" -> "49000.00"). */
export function fixedPlaces(text, places) {
  if (!isDecimal(text) || placesOf(text) > places) return text;
  return fromUnits(toUnits(text, places), places);
}

/** `text` rounded down to `places` places, for display. */
export function cut(text, places) {
  const units = toUnits(text, Math.max(places, placesOf(text)));
  if (units === null) return String(text);
  const extra = 10n ** BigInt(Math.max(0, placesOf(text) - places));
  return fromUnits(units / extra, places);
}
