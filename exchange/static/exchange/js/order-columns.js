// The columns of the CSV exports: the API's field names, so a file reads like the API.

export const ORDER_COLUMNS = [
  { key: "order_id" },
  { key: "client_order_id", text: true },
  { key: "created_at" },
  { key: "updated_at" },
  { key: "symbol" },
  { key: "side" },
  { key: "type" },
  { key: "status" },
  { key: "price" },
  { key: "trigger_price" },
  { key: "quantity" },
  { key: "filled_quantity" },
  { key: "remaining_quantity" },
  { key: "avg_price" },
  { key: "time_in_force" },
];

export const FILL_COLUMNS = [
  { key: "trade_id" },
  { key: "order_id" },
  { key: "time" },
  { key: "symbol" },
  { key: "side" },
  { key: "price" },
  { key: "quantity" },
  { key: "fee" },
  { key: "fee_asset" },
  { key: "liquidity" },
];
