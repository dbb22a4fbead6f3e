"""The public `trades`, `ticker` and `candles` channels follow the market: a trade message
per trade, the ticker's 24 h figures and best prices, the current candle, each as REST
serves them; an unsubscribed channel stops. Embedded exchange, real WebSocket client."""

from __future__ import annotations

ETH = {"symbol": "ETH-USDT", "type": "limit", "quantity": "0.1"}


def trade(seller, buyer, price: str) -> dict:
    assert seller.request("order.place", **ETH, side="sell", price=price)["status"] == 201
    return buyer.request("order.place", **ETH, side="buy", price=price)["body"]


def test_trades_ticker_and_candles_follow_the_market(embedded, connect) -> None:
    watcher, seller, buyer = (connect(embedded.ws_url) for _ in range(3))
    seller.auth(embedded.keys["alice"])
    buyer.auth(embedded.keys["bob"])
    for channel in ("trades", "ticker", "candles"):
        assert watcher.subscribe(channel, "ETH-USDT")["type"] == "subscribed"
    assert watcher.of_type("ticker")["symbol"] == "ETH-USDT"
    resting = seller.request("order.place", **ETH, side="sell", price="2100.00")["body"]

    first = trade(seller, buyer, "2000.00")
    second = trade(seller, buyer, "2001.50")
    trades = [watcher.of_type("trade"), watcher.of_type("trade")]
    ticker = watcher.next(lambda m: m["type"] == "ticker" and m["last"] == "2001.50")
    candle = watcher.next(lambda m: m["type"] == "candle" and m["candle"][4] == "2001.50")
    status, rest_candles = embedded.http("GET", "/api/v1/candles/ETH-USDT?interval=1m")
    _, rest_ticker = embedded.http("GET", "/api/v1/ticker/ETH-USDT")

    assert [(t["trade_id"], t["price"], t["quantity"], t["taker_side"]) for t in trades] == [
        (first["fills"][0]["trade_id"], "2000.00", "0.1000", "buy"),
        (second["fills"][0]["trade_id"], "2001.50", "0.1000", "buy"),
    ]
    assert {t["channel"] for t in trades} == {"trades"} and trades[0]["ts"] > 0
    assert ticker == {
        **ticker,
        "open": "2000.00",
        "high": "2001.50",
        "volume": "0.2000",
        "ask": "2100.00",
        "channel": "ticker",
    }
    assert {key: ticker[key] for key in rest_ticker} == rest_ticker
    assert candle["interval"] == "1m" and status == 200
    assert candle["candle"] == rest_candles["results"][-1]
    assert candle["candle"][1:] == ["2000.00", "2001.50", "2000.00", "2001.50", "0.2000"]

    watcher.send({"op": "unsubscribe", "channel": "trades", "symbol": "ETH-USDT"})
    watcher.of_type("unsubscribed", channel="trades")
    trade(seller, buyer, "2002.00")
    watcher.next(lambda m: m["type"] == "candle" and m["candle"][4] == "2002.00")
    # the candle comes after the trade is in the database: a trade message would be here
    assert [m["price"] for m in watcher.received if m["type"] == "trade"] == ["2000.00", "2001.50"]
    seller.request("order.cancel", order_id=resting["order_id"])
