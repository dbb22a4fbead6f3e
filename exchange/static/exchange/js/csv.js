// CSV files made in the browser from the API's rows, downloaded without a round trip.

/** One CSV field: quoted when it must be; text a spreadsheet would run as a formula is
 * defused with a leading apostrophe (numbers, negative fees included, are left alone). */
function field(value, { text = false } = {}) {
  let cell = value === null || value === undefined ? "" : String(value);
  if (text && /^[=+\-@\t\r]/.test(cell)) cell = `'${cell}`;
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** CSV text (RFC 4180, CRLF) of `rows` with `columns`: [{key, title, text}]. */
export function toCsv(rows, columns) {
  const head = columns.map((column) => field(column.title ?? column.key)).join(",");
  const body = rows.map((row) =>
    columns.map((column) => field(row[column.key], { text: column.text })).join(","),
  );
  return [head, ...body].join("\r\n") + "\r\n";
}

/** Lets the browser save `text` as `filename`. */
export function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A file name stamped with the current UTC time: orders-20261122-103000.csv. */
export function stamped(prefix) {
  const moment = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${prefix}-${moment}.csv`;
}
