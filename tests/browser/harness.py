"""Headless Chromium for the tests, driven over its DevTools pipe with the standard library.

One browser with one tab, reused for every page. Requests to the network are blocked, so a
page either works offline or the test sees it fail. For each page it reports whether any
script of the page ran (every ``<script>``, module, inline handler or ``javascript:`` URL the
page compiles is a ``Debugger.scriptParsed`` event; the harness's own evaluations are not),
and it runs axe-core (installed from npm: ``npm ci --prefix tests/browser``).

Chromium is started with ``--disable-dev-shm-usage`` because Debian's wrapper script fails
to decide it (``/etc/chromium.d/dev-shm``).
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE_JS = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
#: WCAG 2.2 A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,1024",
    "--remote-debugging-pipe",
]
_RUN_AXE = (
    "axe.run(document, {runOnly: {type: 'tag', values: TAGS}, resultTypes: ['violations']})"
    ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
    " nodes: v.nodes.length, target: v.nodes[0].target.join(' '),"
    " html: v.nodes[0].html.slice(0, 200)})))"
).replace("TAGS", json.dumps(AXE_TAGS))


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium and one tab (see the module docstring)."""

    def __init__(self, timeout: float = 60.0) -> None:
        if CHROMIUM is None:
            raise BrowserError("chromium is not installed")
        self.timeout = timeout
        self.buffer = b""
        self.events: list[dict] = []
        self.next_id = 0
        self.profile = tempfile.mkdtemp(prefix="sna-chromium-")
        to_chrome, self._write = os.pipe()
        self._read, from_chrome = os.pipe()

        def child_fds() -> None:  # Chromium reads commands on fd 3 and answers on fd 4
            a, b = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome, from_chrome))
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=child_fds,
            pass_fds=(3, 4),
        )
        os.close(to_chrome)
        os.close(from_chrome)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for method in ("Page.enable", "Runtime.enable", "Network.enable"):
            self.call(method, session=True)
        self.call("Network.setBlockedURLs", session=True, urls=["http://*", "https://*", "ws*://*"])

    # ------------------------------------------------------------------ protocol
    def _message(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            wait = max(0.0, deadline - time.monotonic())
            if not select.select([self._read], [], [], wait)[0]:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium exited")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._message(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def _wait_for(self, method: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._message(deadline))

    def evaluate(self, expression: str):
        result = self.call(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise BrowserError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    # ------------------------------------------------------------------ pages
    def load(self, page: Path) -> dict:
        """Open a file and wait for it to load. Returns its title, how many scripts of the
        page were compiled, and whether an injected payload ran (``window.__pwned``)."""
        url = Path(page).resolve().as_uri()
        self.call("Debugger.enable", session=True)
        self.events.clear()
        result = self.call("Page.navigate", session=True, url=url)
        if result.get("errorText"):
            raise BrowserError(f"{url}: {result['errorText']}")
        self._wait_for("Page.loadEventFired")
        self.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))")
        self.call("Debugger.disable", session=True)
        scripts = [
            e["params"]["url"]
            for e in self.events
            if e.get("method") == "Debugger.scriptParsed" and e["params"].get("url")
        ]
        return {
            "title": self.evaluate("document.title"),
            "scripts": scripts,
            "pwned": self.evaluate("window.__pwned === true"),
            "text": self.evaluate("document.body.innerText"),
        }

    def axe(self, page: Path) -> list[dict]:
        """axe-core's violations on a page (WCAG 2.2 A/AA and best practices)."""
        self.load(page)
        self.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;0")
        return self.evaluate(_RUN_AXE)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.call("Browser.close")
                self.proc.wait(5)
            except (BrowserError, TimeoutError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for fd in (self._read, self._write):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)
