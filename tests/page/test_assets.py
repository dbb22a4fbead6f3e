"""The page needs no npm and no CDN at run time: the chart library is vendored at the version
package.json pins, and nothing the page loads comes from another host."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from tests.exchange.processes import ROOT

STATIC = ROOT / "exchange" / "static" / "exchange"
VENDORED = STATIC / "vendor" / "lightweight-charts.standalone.production.mjs"
# A script, style, import or link whose address names a host: `src="https://..."`, `//cdn...`
EXTERNAL = re.compile(r"""(src|href|import|from|url)\s*[=(]?\s*["']?(https?:)?//""")


def test_the_vendored_chart_library_is_the_version_package_json_pins() -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["lightweight-charts"]
    locked = json.loads((ROOT / "package-lock.json").read_text())
    header = VENDORED.read_text(encoding="utf-8")[:400]

    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), "pin an exact version"
    assert locked["packages"]["node_modules/lightweight-charts"]["version"] == pinned
    assert f"Lightweight Charts™ v{pinned}" in header
    assert (STATIC / "vendor" / "lightweight-charts.LICENSE").exists()


def test_the_page_loads_nothing_from_another_host() -> None:
    sources = [*(ROOT / "templates").rglob("*.html"), *STATIC.glob("js/*.js")]
    sources += [*STATIC.glob("css/*.css")]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not EXTERNAL.search(text), path


def test_demo_funds_are_off_unless_the_environment_turns_them_on() -> None:
    probe = "from django.conf import settings; print(settings.EXCHANGE_DEMO_FUNDS)"

    def demo_funds(**env: str) -> str:
        clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "exchange.settings"}
        run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env={**clean, **env},
                             capture_output=True, text=True, check=True)  # fmt: skip
        return run.stdout.strip()

    assert demo_funds() == "False"
    assert demo_funds(EXCHANGE_DEMO_FUNDS="on") == "True"
