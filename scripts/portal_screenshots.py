"""Screenshots and accessibility audit of the parents' portal pages, desktop and phone,
in headless Chromium.

    ./scripts/portal_audit.sh  (wrapper: installs axe-core from npm, then runs this)
    .venv/bin/python scripts/portal_screenshots.py \\
        --url http://localhost:8069 --out .local/screenshots \\
        --login parent@demo.portail-famille.fr --password parent \\
        [--axe path/to/axe.min.js] [/my /my/planning ...]

With --axe, axe-core runs on every page at both sizes with the WCAG 2.1 A and AA rules;
each violation is printed and the exit status is 1 when there is any.

Logs in through Odoo's own /web/login (requests), hands the session cookie to Chromium
through the DevTools protocol (websocket-client, already a test requirement) and saves
one PNG per page and size. The images are for looking at, not for committing (.local/ is
ignored)."""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from urllib.parse import urlparse

import requests
import websocket

PAGES = [
    "/my",
    "/my/family",
    "/my/children/{child}",
    "/my/registrations",
    "/my/planning",
    "/my/planning?view=week",
    "/my/recap",
    "/my/absences",
    "/my/messages",
    "/my/news",
    "/my/documents",
    "/accessibilite",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SIZES = {"desktop": (1366, 900, False), "phone": (390, 844, True)}


def login(base_url, user, password):
    session = requests.Session()
    page = session.get(base_url + "/web/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(
        base_url + "/web/login",
        timeout=30,
        data={
            "login": user,
            "password": password,
            "csrf_token": csrf,
            "redirect": "/my",
        },
    )
    if "/web/login" in response.url:
        raise SystemExit("login failed for %s" % user)
    return session.cookies.get("session_id")


class Chrome:
    def __init__(self):
        binary = (
            shutil.which("chromium")
            or shutil.which("chromium-browser")
            or shutil.which("google-chrome")
        )
        if not binary:
            raise SystemExit("Chromium not found: apt-get install chromium")
        self.profile = tempfile.mkdtemp(prefix="pf-shots-")
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-port=9333",
                "--user-data-dir=" + self.profile,
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _i in range(100):
            try:
                targets = json.load(
                    urllib.request.urlopen("http://127.0.0.1:9333/json")
                )
                page = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.1)
        else:
            raise SystemExit("Chromium did not start")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError("%s: %s" % (method, message["error"]))
                return message.get("result", {})

    def close(self):
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--out", default=".local/screenshots")
    parser.add_argument("--login", default="parent@demo.portail-famille.fr")
    parser.add_argument("--password", default="parent")
    parser.add_argument(
        "--axe", help="axe.min.js of axe-core: audit each page (WCAG 2.1 A/AA)"
    )
    parser.add_argument("pages", nargs="*", default=PAGES)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    session_id = login(args.url, args.login, args.password)
    first_child = re.search(
        r'href="/my/children/(\d+)"',
        requests.get(
            args.url + "/my/family", cookies={"session_id": session_id}, timeout=30
        ).text,
    )
    pages = [
        p.replace("{child}", first_child.group(1) if first_child else "0")
        for p in args.pages
    ]
    axe_source = open(args.axe).read() if args.axe else None
    violations = 0
    chrome = Chrome()
    try:
        chrome.call("Page.enable")
        chrome.call("Network.enable")
        chrome.call(
            "Network.setCookie",
            name="session_id",
            value=session_id,
            domain=urlparse(args.url).hostname,
            path="/",
        )
        for size, (width, height, mobile) in SIZES.items():
            chrome.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=mobile,
            )
            for page in pages:
                chrome.call("Page.navigate", url=args.url + page)
                for _i in range(100):  # wait for the page and its assets
                    time.sleep(0.2)
                    state = chrome.call(
                        "Runtime.evaluate", expression="document.readyState"
                    )
                    if state.get("result", {}).get("value") == "complete":
                        break
                time.sleep(0.8)
                shot = chrome.call(
                    "Page.captureScreenshot", format="png", captureBeyondViewport=True
                )
                name = re.sub(r"[^a-z0-9]+", "_", page.lower()).strip("_") or "root"
                path = os.path.join(args.out, "%s-%s.png" % (name, size))
                with open(path, "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
                print(path)
                if axe_source:
                    violations += audit(chrome, axe_source, "%s (%s)" % (page, size))
    finally:
        chrome.close()
    if axe_source:
        print(
            "axe-core: %s violation(s) of WCAG 2.1 A/AA over %s pages x %s sizes"
            % (violations, len(pages), len(SIZES))
        )
        raise SystemExit(1 if violations else 0)


def audit(chrome, axe_source, label):
    """Run axe-core on the page shown; print and count its violations. A page with
    violations is audited once more after 2 s: Odoo's website scripts rearrange the
    header (menu overflow, search modal) just after loading, and a transient state is
    not what a visitor meets."""
    chrome.call("Runtime.evaluate", expression=axe_source)
    found = _run_axe(chrome)
    if found:
        time.sleep(2)
        found = _run_axe(chrome)
    for violation in found:
        print(
            "  VIOLATION %s [%s] %s: %s — %s"
            % (
                label,
                violation["impact"],
                violation["id"],
                violation["help"],
                ", ".join(violation["nodes"][:5]),
            )
        )
    return sum(len(v["nodes"]) for v in found)


def _run_axe(chrome):
    result = chrome.call(
        "Runtime.evaluate",
        awaitPromise=True,
        returnByValue=True,
        expression="axe.run(document, {runOnly: {type: 'tag', values: %s}})"
        ".then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, help: v.help, "
        "nodes: v.nodes.map(n => n.target.join(' '))})))" % json.dumps(AXE_TAGS),
    )
    return result.get("result", {}).get("value") or []


if __name__ == "__main__":
    main()
