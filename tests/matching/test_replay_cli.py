"""SPEC.md §8 and §9.4, §9.18: `python -m matching replay FILE [--out DIR]` prints one JSON
summary line, writes the three CSV files, reports and skips malformed lines, ignores blank
and `#` lines, and survives hostile input."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUMMARY_FIELDS = {
    "commands",
    "trades",
    "seconds",
    "commands_per_sec",
    "tape_sha256",
    "orders_sha256",
    "book_sha256",
}
SYMBOL_LINE = (
    '{"op":"symbol","symbol":"BTC-USDT","base":"BTC","quote":"USDT",'
    '"tick_size":"0.01","lot_size":"0.001"}'
)


def order_line(order_id, user, side, quantity, price, **extra):
    cmd = {
        "op": "new",
        "id": order_id,
        "user": user,
        "symbol": "BTC-USDT",
        "side": side,
        "type": "limit",
        "quantity": quantity,
        "price": price,
        **extra,
    }
    return json.dumps(cmd)


def replay(tmp_path: Path, lines, *, out=True, raw: bytes | None = None):
    path = tmp_path / "cmds.jsonl"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    args = [sys.executable, "-m", "matching", "replay", str(path)]
    out_dir = tmp_path / "out"
    if out:
        args += ["--out", str(out_dir)]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    return proc, out_dir


def summary_of(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    return json.loads(lines[0])


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_summary_types(summary: dict) -> None:
    assert set(summary) == SUMMARY_FIELDS
    assert is_int(summary["commands"]) and is_int(summary["trades"])
    assert is_int(summary["commands_per_sec"])
    seconds = summary["seconds"]
    assert isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds >= 0
    for field in ("tape_sha256", "orders_sha256", "book_sha256"):
        assert re.fullmatch(r"[0-9a-f]{64}", summary[field]), field


TRADE_FILE = [
    SYMBOL_LINE,
    order_line(1, "u1", "sell", "1.000", "100.00"),
    order_line(2, "u2", "buy", "0.400", "100.00"),
    order_line(3, "u2", "buy", "1.000", "99.00"),
]
EXPECTED = {
    "tape.csv": b"1,BTC-USDT,100.00,0.400,1,2,buy,0.04000000,0.08000000\n",
    "orders.csv": b"1,partially_filled,0.400,\n2,filled,0.400,\n3,new,0.000,\n",
    "book.csv": b"BTC-USDT,buy,99.00,3,1.000,1.000\nBTC-USDT,sell,100.00,1,0.600,0.600\n",
}


def test_summary_fields_types_and_digests(tmp_path):
    proc, out_dir = replay(tmp_path, TRADE_FILE)
    summary = summary_of(proc)
    check_summary_types(summary)
    assert summary["commands"] == 4
    assert summary["trades"] == 1
    for name, content in EXPECTED.items():
        assert (out_dir / name).read_bytes() == content, name
        digest = summary[name.replace(".csv", "_sha256")]
        assert digest == hashlib.sha256(content).hexdigest(), name


def test_commands_per_sec_is_the_integer_part_of_commands_over_seconds(tmp_path):
    lines = [SYMBOL_LINE] + [
        order_line(i, f"u{i % 7}", "buy" if i % 2 else "sell", "0.001", f"{100 + i % 5}.00")
        for i in range(1, 2000)
    ]
    summary = summary_of(replay(tmp_path, lines, out=False)[0])
    commands, seconds, rate = summary["commands"], summary["seconds"], summary["commands_per_sec"]
    assert commands == 2000
    assert seconds > 0
    # `seconds` may be printed rounded; allow for a rounding of its last printed digit.
    slack = max(1e-6, seconds * 1e-9)
    assert int(commands / (seconds + slack)) <= rate <= commands / max(seconds - slack, 1e-12)


def test_without_out_the_digests_are_the_same(tmp_path):
    summary = summary_of(replay(tmp_path, TRADE_FILE, out=False)[0])
    assert not (tmp_path / "out").exists()
    assert summary["tape_sha256"] == hashlib.sha256(EXPECTED["tape.csv"]).hexdigest()
    assert summary["orders_sha256"] == hashlib.sha256(EXPECTED["orders.csv"]).hexdigest()
    assert summary["book_sha256"] == hashlib.sha256(EXPECTED["book.csv"]).hexdigest()


def test_empty_outputs_are_empty_files(tmp_path):
    proc, out_dir = replay(tmp_path, [SYMBOL_LINE])
    summary = summary_of(proc)
    assert summary["commands"] == 1 and summary["trades"] == 0
    empty = hashlib.sha256(b"").hexdigest()
    for name in ("tape", "orders", "book"):
        assert (out_dir / f"{name}.csv").read_bytes() == b""
        assert summary[f"{name}_sha256"] == empty


def test_malformed_lines_are_reported_with_their_number_and_skipped(tmp_path):
    lines = [
        SYMBOL_LINE,  # 1
        "{oops",  # 2 not JSON
        "[1, 2, 3]",  # 3 not an object
        '{"op":"bogus"}',  # 4 unknown op
        '{"id":1,"user":"u1"}',  # 5 no op
        '{"op":"new","user":"u1","symbol":"BTC-USDT","side":"buy","type":"limit",'
        '"quantity":"1.000","price":"100.00"}',  # 6 new without id
        '{"op":"new","id":9,"symbol":"BTC-USDT","side":"buy","type":"limit",'
        '"quantity":"1.000","price":"100.00"}',  # 7 new without user
        "",  # 8 blank
        "# a comment",  # 9
        "   ",  # 10 blank too
        order_line(1, "u1", "sell", "1.000", "100.00"),  # 11
        '"just a string"',  # 12 not an object
        order_line(2, "u2", "buy", "1.000", "100.00"),  # 13
        '{"op":"new","id":null,"user":"u1","symbol":"BTC-USDT"}',  # 14 null id is no id
        "null",  # 15
        '{"op":"NEW","id":3,"user":"u1"}',  # 16 op names are case-sensitive
        "#",  # 17
    ]
    proc, out_dir = replay(tmp_path, lines)
    summary = summary_of(proc)
    assert summary["commands"] == 3
    assert summary["trades"] == 1
    reported = set()
    for line in proc.stderr.splitlines():
        found = re.search(r"\d+", line)
        if found:
            reported.add(int(found.group()))
    assert reported == {2, 3, 4, 5, 6, 7, 12, 14, 15, 16}
    assert (out_dir / "orders.csv").read_bytes() == b"1,filled,1.000,\n2,filled,1.000,\n"


def test_new_without_id_does_not_use_up_an_id_or_count(tmp_path):
    lines = [
        SYMBOL_LINE,
        '{"op":"new","user":"u1","symbol":"BTC-USDT","side":"sell","type":"limit",'
        '"quantity":"1.000","price":"100.00","ts":5000}',
        order_line(1, "u1", "buy", "1.000", "100.00", tif="GTD", expire_at=5000),
    ]
    proc, out_dir = replay(tmp_path, lines)
    assert summary_of(proc)["commands"] == 2
    # The skipped line's ts did not move the clock, so order 1 is accepted.
    assert (out_dir / "orders.csv").read_bytes() == b"1,new,0.000,\n"


def test_cancel_without_id_is_counted(tmp_path):
    """§9.4 names only a `new` without id or user as malformed."""
    lines = [
        SYMBOL_LINE,
        order_line(1, "u1", "buy", "1.000", "100.00", tif="GTD", expire_at=5000),
        '{"op":"cancel","user":"u1","ts":5000}',
    ]
    proc, out_dir = replay(tmp_path, lines)
    assert summary_of(proc)["commands"] == 3
    assert (out_dir / "orders.csv").read_bytes() == b"1,expired,0.000,\n"


def test_commands_counts_rejected_refused_and_duplicate_lines(tmp_path):
    lines = [
        SYMBOL_LINE,
        order_line(1, "u1", "buy", "1.000", "100.00"),
        order_line(1, "u1", "buy", "1.000", "100.00"),  # duplicate
        order_line(2, "u1", "long", "1.000", "100.00"),  # rejected
        '{"op":"cancel","id":99,"user":"u1"}',  # refused
        '{"op":"tick"}',
        '{"op":"fees","user":"*","maker":"0","taker":"0"}',
    ]
    summary = summary_of(replay(tmp_path, lines, out=False)[0])
    assert summary["commands"] == 7
    assert summary["trades"] == 0


def _deep(depth):
    return "[" * depth + "]" * depth


HOSTILE = [
    '{"op":"new","id":1e400,"user":"h","symbol":"BTC-USDT"}',
    '{"op":"new","id":1.5,"user":"h"}',
    '{"op":"new","id":true,"user":false}',
    '{"op":"new","id":[1],"user":"h"}',
    '{"op":"cancel","id":{"a":1},"user":[]}',
    '{"op":"new","id":"h1","user":"h","symbol":"BTC-USDT","side":"buy","type":"limit",'
    '"quantity":"1' + "0" * 10000 + '","price":"0.01"}',
    '{"op":"new","id":"h2","user":"h","symbol":"BTC-USDT","side":"sell","type":"limit",'
    '"quantity":"0.001","price":"9' + "9" * 5000 + '"}',
    '{"op":"new","id":"h3","user":"h","symbol":"BTC-USDT","side":"buy","type":"limit",'
    '"quantity":1' + "0" * 5000 + ',"price":"1.00"}',
    '{"op":"new","id":"h4","user":"h","symbol":"BTC-USDT","side":"buy","type":"limit",'
    '"quantity":' + _deep(100000) + "}",
    '{"op":"new","id":"h5","user":"h","symbol":"BTC-USDT","side":"buy","type":"limit",'
    '"quantity":"١٢","price":"١٠٠"}',
    '{"op":"new","id":"١٢","user":"١","symbol":"BTC-USDT","side":"buy","type":"limit",'
    '"quantity":"0.001","price":"0.01","ts":"١٢"}',
    '{"op":"new","id":"h6","user":"h","symbol":"BTC-USDT","side":"buy","type":"limit",'
    '"quantity":NaN,"price":Infinity,"trigger_price":-Infinity}',
    '{"op":"new","id":"h7","user":"h","symbol":"BTC-USDT","side":"buy","type":"limit",'
    '"quantity":"0.001","price":"0.01","tif":"GTD","expire_at":1e999}',
    '{"op":"new","id":"h8","user":"h","symbol":{"a":"b"},"side":["buy"],"type":{}}',
    '{"op":"new","id":"' + "x" * 100000 + '","user":"h"}',
    '{"op":"new","id":"h\\u0000","user":"h","symbol":"BTC-USDT"}',
    '{"op":"tick","ts":1e308}',
    '{"op":"tick","ts":-5}',
    '{"op":"tick","ts":' + "9" * 4000 + "}",
    '{"op":"tick","op":"bogus"}',
    "{}",
    '{"op":"symbol","symbol":"H1","base":"H","quote":"Q","tick_size":"0.' + "0" * 3000 + '1",'
    '"lot_size":"-1"}',
    '{"op":"symbol","symbol":["x"],"tick_size":{},"lot_size":null}',
    '{"op":"symbol","symbol":"H2","base":"H","quote":"Q","tick_size":"1e-2","lot_size":"1"}',
    '{"op":"symbol","symbol":"H3","base":"H","quote":"Q","tick_size":"0.01","lot_size":"1",'
    '"quote_precision":100000000000000000000}',
    '{"op":"symbol","symbol":"H4","base":"H","quote":"Q","tick_size":"0.01","lot_size":"1",'
    '"quote_precision":-1,"min_qty":"abc","min_notional":"-1"}',
    '{"op":"fees","user":["*"],"maker":"abc","taker":1}',
    '{"op":"fees","user":"*","maker":"1' + "0" * 3000 + '","taker":"-0.5"}',
    '{"op":"fees","user":"*","maker":"0.001","taker":"0.002"}',
    "\x00\x01\x02",
    "-0.0",
]


def test_hostile_lines_never_crash_the_replay(tmp_path):
    final = [
        '{"op":"symbol","symbol":"FINAL-USDT","base":"F","quote":"USDT","tick_size":"0.01",'
        '"lot_size":"0.001"}',
        '{"op":"new","id":"final-1","user":"fa","symbol":"FINAL-USDT","side":"sell",'
        '"type":"limit","quantity":"1.000","price":"100.00"}',
        '{"op":"new","id":"final-2","user":"fb","symbol":"FINAL-USDT","side":"buy",'
        '"type":"limit","quantity":"1.000","price":"100.00"}',
    ]
    raw = "\n".join([SYMBOL_LINE, *HOSTILE]).encode("utf-8", "surrogatepass")
    raw += b'\n\xff\xfe{"op":"tick"}\n' + "\n".join(final).encode() + b"\n"
    proc, out_dir = replay(tmp_path, None, raw=raw)
    summary = summary_of(proc)
    check_summary_types(summary)
    tape = (out_dir / "tape.csv").read_bytes().decode("utf-8", "replace").splitlines()
    assert tape[-1].endswith(",FINAL-USDT,100.00,1.000,final-1,final-2,buy,0.10000000,0.20000000")
    for name in ("tape", "orders", "book"):
        data = (out_dir / f"{name}.csv").read_bytes()
        assert summary[f"{name}_sha256"] == hashlib.sha256(data).hexdigest()


def test_lone_surrogate_escapes_in_ids_do_not_crash_the_replay(tmp_path):
    """`"\\ud800"` is a JSON string escape that decodes to a lone surrogate, which UTF-8
    cannot encode; whatever the replay makes of such an id, it must not crash."""
    lines = [
        SYMBOL_LINE,
        '{"op":"new","id":"h\\ud800","user":"h\\udfff","symbol":"BTC-USDT","side":"buy",'
        '"type":"limit","quantity":"0.001","price":"0.01"}',
        '{"op":"new","id":"s2","user":"h","symbol":"BTC-\\udc00","side":"buy",'
        '"type":"limit","quantity":"0.001","price":"0.01"}',
        order_line(1, "u1", "sell", "1.000", "100.00"),
        order_line(2, "u2", "buy", "1.000", "100.00"),
    ]
    proc, out_dir = replay(tmp_path, lines)
    summary = summary_of(proc)
    check_summary_types(summary)
    assert (
        (out_dir / "tape.csv")
        .read_bytes()
        .endswith(b",BTC-USDT,100.00,1.000,1,2,buy,0.10000000,0.20000000\n")
    )
