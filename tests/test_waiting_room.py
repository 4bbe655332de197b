"""The waiting room (deploy/waiting_room.py) at the opening rush.

First its line on its own, with a clock of the test's; then as a town runs it: nginx
with deploy/nginx-portail-famille.conf in front of Odoo in prefork (deploy/make-conf.sh,
2 workers) on the test database, and the waiting room with room for 2 parents at once.
Parents 3 to 5 wait on its page, in arrival order, while an admitted parent books; they
come in as places free (parents gone idle, logged out), the page letting a browser in by
itself; a form is never held; without the waiting room, nginx serves Odoo as before.
"""

import asyncio
import concurrent.futures
import contextlib
import http.server
import importlib.util
import json
import resource
import socket
import subprocess
import threading
import time
from html.parser import HTMLParser

import pytest
import requests
import websocket
from servers import (
    ROOT,
    free_port,
    log_in,
    nginx_command,
    nginx_process,
    odoo_process,
    press_terminer,
    production_conf,
    stopped_at_exit,
    tick_a_free_day,
    waiting_room_process,
    waiting_room_stats,
)

import odoo

PARENT = "parent@demo.portail-famille.fr"
IDLE = 15  # seconds without a page after which an admitted parent's place frees

spec = importlib.util.spec_from_file_location(
    "waiting_room", ROOT / "deploy" / "waiting_room.py"
)
waiting_room = importlib.util.module_from_spec(spec)
spec.loader.exec_module(waiting_room)


# -- the line on its own
def test_line_admits_in_arrival_order():
    room = waiting_room.WaitingRoom(capacity=2, idle_timeout=60, waiting_timeout=30)
    first, second, *late = (room.check(None, "GET", now=0) for _i in range(5))
    assert first["admitted"] and second["admitted"]
    assert [r["position"] for r in late] == [1, 2, 3]
    assert not any(r["admitted"] for r in late)
    tokens = [r["ticket"].token for r in late]
    # the first parent is active (a page within 60 s), the second leaves it idle
    room.check(first["ticket"].token, "GET", now=30)
    # one place free at 60 s: it goes to the first in line, whoever asks first
    assert room.check(tokens[2], "GET", now=61)["position"] == 2
    assert room.check(tokens[0], "GET", now=61)["admitted"]
    assert room.check(tokens[2], "GET", now=61)["position"] == 2
    assert room.check(tokens[1], "GET", now=62)["position"] == 1
    # a parent who logs out gives their place to the next
    room.leave(first["ticket"].token, now=63)
    assert room.check(tokens[1], "GET", now=63)["admitted"]
    assert room.check(tokens[2], "GET", now=63)["position"] == 1
    assert room.stats(63)["active"] == 2


def test_admissions_paced():
    room = waiting_room.WaitingRoom(
        capacity=10, idle_timeout=60, waiting_timeout=60, admission_rate=2
    )
    results = [room.check(None, "GET", now=0) for _i in range(5)]
    # a second's worth come in at once; the others wait although places are free
    assert [r["admitted"] for r in results] == [True, True, False, False, False]
    assert [r["position"] for r in results[2:]] == [1, 2, 3]
    tokens = [r["ticket"].token for r in results[2:]]
    # half a second later one more may come in: the first in line, not the one asking
    assert not room.check(tokens[2], "GET", now=0.5)["admitted"]
    assert room.check(tokens[0], "GET", now=0.5)["admitted"]
    assert not room.check(tokens[1], "GET", now=0.6)["admitted"]
    assert room.check(tokens[1], "GET", now=1.0)["admitted"]
    assert room.stats(1.0)["active"] == 4


def test_waiting_page_asks_again_before_its_turn_can_come():
    """The page asks again after at most half the soonest its parent can come in
    (admission_rate bounds it), 2 s at the front, 5 s and 15 s as caps; without
    admission_rate, 5 s up to the 20th place, then 15 s."""
    paced = waiting_room.WaitingRoom(
        capacity=10, idle_timeout=60, waiting_timeout=60, admission_rate=6
    )
    assert [paced.poll_delay(p) for p in (1, 6, 20, 21, 66, 100, 500)] == [
        2,
        2,
        2,
        2,
        5,
        7,
        15,
    ]
    free = waiting_room.WaitingRoom(capacity=10, idle_timeout=60, waiting_timeout=60)
    assert [free.poll_delay(p) for p in (1, 20, 21, 500)] == [5, 5, 15, 15]
    # the soonest is a bound: at 6 a second (after a second's burst), the 100th in
    # line (told to ask again in 7 s) is still waiting 15 s later
    paced.capacity = 1000
    results = [paced.check(None, "GET", now=0) for _i in range(110)]
    hundredth = next(r for r in results if r.get("position") == 100)
    for now in range(1, 16):
        paced._expire(now)
    assert paced.stats(15)["active"] == 6 + 15 * 6
    assert hundredth["ticket"].token not in paced.active


def test_window_follows_the_server():
    """With a probe, a slow answer cuts the window (the active parents allowed) to 90 %
    of the active parents, once in 5 s at most; a full window grows by a parent per
    answer in time, by 10 % per answer in less than half the target, up to the
    capacity. Parents are let in while the active ones are fewer than the window, at
    admission_rate a second."""
    room = waiting_room.WaitingRoom(
        capacity=100, idle_timeout=600, waiting_timeout=600, admission_rate=10
    )
    room.adapt(0.05, 0.3, now=0)
    assert room.stats(0)["window"] == 100
    # 200 parents come, 10 a second: 40 on the portal after 3 s, 160 in line
    for _i in range(200):
        room.check(None, "GET", now=0)
    for now in (1, 2, 3):
        room._expire(now)
    assert room.stats(3)["active"] == 40
    # the server makes its pages wait: the window falls to 90 % of the 40 active
    # parents, and no one more comes in while they are more than that
    room.adapt(0.9, 0.3, now=3)
    assert room.stats(3)["window"] == 36
    # the next slow answers within 5 s: the parents let in before are still loading
    # the server, the window holds
    for now in (4, 5, 6, 7):
        room.adapt(None, 0.3, now=now)  # no answer at all
        room._expire(now)
    assert room.stats(7)["window"] == 36 and room.stats(7)["probe_ms"] is None
    assert room.stats(7)["active"] == 40
    # still slow 5 s after the cut: 90 % of the window (smaller than the active)
    room.adapt(0.9, 0.3, now=8)
    assert room.stats(8)["window"] == 32
    # answers in time, near the target: a parent more each second once the window
    # is full; the first in line come in up to it
    for now in range(9, 41):
        room.adapt(0.2, 0.3, now=now)
        room._expire(now)
    assert room.stats(40)["window"] == 32 + 32
    assert room.stats(40)["active"] == 64
    # answers far below the target: 10 % more each second, capacity at most
    for now in (41, 42, 43):
        room.adapt(0.1, 0.3, now=now)
        room._expire(now)
    assert room.stats(43)["window"] == int(64.4 * 1.1**3)
    for now in range(44, 80):
        room.adapt(0.1, 0.3, now=now)
        room._expire(now)
    assert room.stats(80)["window"] == 100
    # a window that holds no one back (the line is empty) does not grow while the
    # server answers near its target
    idle = waiting_room.WaitingRoom(capacity=50, idle_timeout=60, waiting_timeout=60)
    idle.adapt(0.9, 0.3, now=0)
    assert idle.stats(0)["window"] == waiting_room.WINDOW_MIN
    idle.check(None, "GET", now=1)
    for now in range(1, 20):
        idle.adapt(0.2, 0.3, now=now)
    assert idle.stats(20)["window"] == waiting_room.WINDOW_MIN
    assert idle.stats(20)["probe_ms"] == 200
    # without admission_rate, the window alone bounds the active parents
    results = [idle.check(None, "GET", now=20) for _i in range(8)]
    assert [r["admitted"] for r in results] == [True] * 4 + [False] * 4


def test_window_recovers_at_a_quiet_time():
    """A window cut by a slow probe at a quiet time (one parent on the portal, the
    server busy with something else) goes back to the capacity, a tenth of it a
    second, while no one waits and the server answers far below its target: the next
    opening is let in at admission_rate, not 5 parents at a time."""
    room = waiting_room.WaitingRoom(
        capacity=200, idle_timeout=600, waiting_timeout=600, admission_rate=10
    )
    room.check(None, "GET", now=0)
    room.adapt(0.9, 0.1, now=0)  # a backup running: the probe is slow
    assert room.stats(0)["window"] == waiting_room.WINDOW_MIN
    # the backup is over: answers in 20 ms, nobody in line
    room.adapt(0.02, 0.1, now=1)
    assert room.stats(1)["window"] == 5 + 20
    for now in range(2, 11):
        room.adapt(0.02, 0.1, now=now)
    assert room.stats(10)["window"] == 200
    # the opening: 300 parents at once, let in at 10 a second, not 5 at a time
    for _i in range(300):
        room.check(None, "GET", now=11)
    for now in (12, 13, 14):
        room._expire(now)
        room.adapt(0.02, 0.1, now=now)
    assert room.stats(14)["active"] == 1 + 40
    # parents in line: the window grows only when full, as before
    room.adapt(0.09, 0.1, now=15)
    assert room.stats(15)["window"] == 200
    # and the server slowing cuts it to 90 % of the active parents
    room._expire(15)
    room.adapt(0.5, 0.1, now=16)
    assert room.stats(16)["window"] == int(0.9 * room.stats(16)["active"])


def test_probe_times_odoos_answer(tmp_path):
    """probe_once: the seconds until a 200, None for another status, no answer in
    time, or nothing listening."""
    delay = {"seconds": 0.0, "status": 200}

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay["seconds"])
            with contextlib.suppress(OSError):  # the probe gave up
                self.send_response(delay["status"])
                self.end_headers()
                self.wfile.write(b'{"status": "pass"}')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/web/health" % server.server_address[1]
    try:
        assert asyncio.run(waiting_room.probe_once(url, 2)) < 0.5
        delay["seconds"] = 0.4
        assert 0.4 <= asyncio.run(waiting_room.probe_once(url, 2)) < 1.5
        assert asyncio.run(waiting_room.probe_once(url, 0.2)) is None
        delay.update(seconds=0, status=500)
        assert asyncio.run(waiting_room.probe_once(url, 2)) is None
    finally:
        server.shutdown()
        server.server_close()
    assert asyncio.run(waiting_room.probe_once(url, 2)) is None


def test_forms_always_pass():
    room = waiting_room.WaitingRoom(capacity=1, idle_timeout=10, waiting_timeout=30)
    admitted = room.check(None, "GET", now=0)["ticket"].token
    waiting = room.check(None, "GET", now=1)["ticket"].token
    # the admitted parent went idle and the next one took the place
    assert room.check(waiting, "GET", now=11)["admitted"]
    # their "Terminer" passes all the same, and they are active again (above capacity)
    assert room.check(admitted, "POST", now=12)["admitted"]
    assert room.stats(12)["active"] == 2
    assert room.check(admitted, "GET", now=13)["admitted"]
    # a form from a parent never admitted passes too, without admitting them
    stranger = room.check(None, "GET", now=14)
    assert not stranger["admitted"]
    assert room.check(stranger["ticket"].token, "POST", now=14)["admitted"]
    assert not room.check(stranger["ticket"].token, "GET", now=15)["admitted"]


def test_parent_out_of_line_keeps_their_number():
    room = waiting_room.WaitingRoom(capacity=1, idle_timeout=100, waiting_timeout=30)
    room.check(None, "GET", now=0)
    early = room.check(None, "GET", now=1)["ticket"].token
    later = room.check(None, "GET", now=2)["ticket"].token
    # the early one's tab closed: out of the line after 30 s without asking
    room.check(later, "GET", now=25)
    room.sweep(40, forget_after=3600)
    assert room.check(later, "GET", now=40)["position"] == 1
    # back: their ticket is older, they are before the later one again
    assert room.check(early, "GET", now=41)["position"] == 1
    assert room.check(later, "GET", now=42)["position"] == 2


def test_expected_wait_comes_from_the_places_freed():
    room = waiting_room.WaitingRoom(capacity=3, idle_timeout=10, waiting_timeout=1000)
    for _i in range(3):
        room.check(None, "GET", now=0)
    line = [room.check(None, "GET", now=1)["ticket"].token for _i in range(10)]
    # the room filled at once: nothing tells the pace yet
    assert room.check(line[-1], "GET", now=2)["wait"] is None
    # 3 places freed at 10 s, 3 parents in; 3 more freed at 20 s
    for now in (10, 20):
        for token in line[:3]:
            assert room.check(token, "GET", now=now)["admitted"]
        line = line[3:]
    # 6 places in the last 60 s (the shortest span counted): 0.1 a second
    result = room.check(line[-1], "GET", now=29)
    assert result["position"] == 4
    assert result["wait"] == pytest.approx(40)
    assert waiting_room.wait_text(result["wait"]) == "moins d’une minute"
    assert waiting_room.wait_text(150) == "environ 3 minutes"
    assert waiting_room.wait_text(None) == "en cours d’estimation"


def ask_gate(gate_socket, path, cookie=None, **headers):
    """One request to the waiting room itself, as nginx sends it: (status, headers,
    body, seconds taken)."""
    lines = ["GET %s HTTP/1.0" % path, "X-Forwarded-Proto: https"]
    if cookie:
        lines.append("Cookie: %s=%s" % (waiting_room.COOKIE, cookie))
    lines += [
        "%s: %s" % (name.replace("_", "-"), value) for name, value in headers.items()
    ]
    began = time.monotonic()
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(60)
        sock.connect(str(gate_socket))
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _sep, body = answer.partition(b"\r\n\r\n")
    status, *fields = head.decode().split("\r\n")
    fields = dict(field.split(": ", 1) for field in fields)
    return int(status.split()[1]), fields, body, time.monotonic() - began


def test_waiting_page_learns_its_turn_the_moment_a_place_frees(tmp_path):
    """/_waiting_room/status?wait=N holds the answer until the parent is let in: the
    page learns it at once (no place left empty until it asks again), and otherwise
    gets its place after N seconds and asks again at once."""
    gate_socket = tmp_path / "gate.sock"
    with waiting_room_process(gate_socket, tmp_path / "gate.log", "--capacity=1"):

        def ticket(fields):
            return fields["Set-Cookie"].split(";")[0].split("=", 1)[1]

        status, fields, _body, _t = ask_gate(gate_socket, "/_waiting_room/check")
        assert status == 204
        first = ticket(fields)
        status, fields, _body, _t = ask_gate(gate_socket, "/_waiting_room/check")
        assert status == 401
        second = ticket(fields)
        # no place frees: the answer comes after the second asked, with the place
        status, _f, body, took = ask_gate(
            gate_socket, "/_waiting_room/status?wait=1", second
        )
        assert status == 200 and 0.9 < took < 5
        assert json.loads(body)["position"] == 1 and json.loads(body)["retry"] == 0
        # the first parent logs out 1 s after the second's page asked: the answer
        # comes then, not 20 s later
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            held = pool.submit(
                ask_gate, gate_socket, "/_waiting_room/status?wait=20", second
            )
            time.sleep(1)
            assert not held.done()
            ask_gate(
                gate_socket,
                "/_waiting_room/check",
                first,
                X_Original_URI="/web/session/logout",
            )
            status, _f, body, took = held.result(timeout=30)
        assert json.loads(body) == {"admitted": True}
        assert took < 5
        # an unknown ticket (a cookie of another day) is not held: a new one at once
        tickets = waiting_room_stats(gate_socket)["tickets"]
        status, fields, body, took = ask_gate(
            gate_socket, "/_waiting_room/status?wait=20", "unknown"
        )
        assert took < 1 and ticket(fields) != "unknown"
        assert waiting_room_stats(gate_socket)["tickets"] == tickets + 1
        # without wait=, the answer comes at once, as before
        status, _f, body, took = ask_gate(gate_socket, "/_waiting_room/status", first)
        assert not json.loads(body)["admitted"] and took < 1
        assert json.loads(body)["retry"] == 5


def test_ticket_read_among_other_cookies():
    read = waiting_room.read_cookie
    assert read('a="x; y"; pf_waiting_room=abc; session_id=1') == "abc"
    assert read("session_id=1; bad cookie; pf_waiting_room=abc") == "abc"
    assert read("session_id=1") is None


# -- through nginx, before Odoo
@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """nginx (the project's site file) in front of a prefork Odoo, with the waiting
    room (room for 2, idle after IDLE seconds) on its Unix socket."""
    tmp = tmp_path_factory.mktemp("waiting_room")
    ports = {name: free_port() for name in ("http", "gevent", "plain", "tls")}
    db_name = odoo.tools.config["db_name"]
    conf = production_conf(tmp / "odoo.conf", db_name, ports["http"], ports["gevent"])
    gate_socket = tmp / "gate.sock"
    command, cert = nginx_command(tmp, ports, gate_socket)
    args = ("--capacity=2", "--idle-timeout=%d" % IDLE, "--waiting-timeout=600")
    with (
        waiting_room_process(gate_socket, tmp / "gate.log", *args) as gate,
        odoo_process(conf, db_name, ports["http"], tmp / "odoo.log"),
        nginx_process(command, ports["tls"]),
    ):
        yield {
            "url": "https://127.0.0.1:%d" % ports["tls"],
            "cert": str(cert),
            "gate": gate,
            "socket": gate_socket,
        }


def client(stack):
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace `verify`
    session.verify = stack["cert"]
    return session


def place(response):
    """The parent's place in the line when the waiting room answered, else None."""
    if "X-Waiting-Room" not in response.headers:
        return None
    assert response.status_code == 503
    return int(response.headers["X-Waiting-Room"])


def passes(response):
    """Odoo answered (the parent was let through), and not with an error."""
    assert place(response) is None, "%s: held in the waiting room" % response.url
    assert response.status_code < 500, response.status_code


def status(stack, session):
    """What the waiting page's script asks every few seconds."""
    response = session.get(stack["url"] + "/_waiting_room/status", timeout=30)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.json()


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "still not the case after %ds" % timeout
        time.sleep(0.5)


class PageOutline(HTMLParser):
    """What a screen reader relies on: the language, the title, the heading, the live
    region (role=status) and its text."""

    def __init__(self, text):
        super().__init__()
        self.lang = self.title = self.h1 = None
        self.live = ""
        self.links = []
        self._in = []
        self._live_depth = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a":
            self.links.append(attrs.get("href"))
        if attrs.get("role") == "status" and attrs.get("aria-live") == "polite":
            self._live_depth = len(self._in)
        self._in.append(tag)

    def handle_endtag(self, tag):
        while self._in and self._in.pop() != tag:
            pass
        if self._live_depth is not None and len(self._in) <= self._live_depth:
            self._live_depth = None

    def handle_data(self, data):
        if self._in and self._in[-1] == "title":
            self.title = (self.title or "") + data
        if self._in and self._in[-1] == "h1":
            self.h1 = (self.h1 or "") + data
        if self._live_depth is not None:
            self.live += data


def test_parents_wait_in_arrival_order_and_admitted_ones_book(stack):
    url = stack["url"]
    # the demo parent arrives first, logs in and ticks a day: the recap holds it
    parent = client(stack)
    log_in(parent, url, PARENT, "parent", check=passes)
    _month, _day, recap = tick_a_free_day(parent, url, check=passes)
    # a second parent is let in (Odoo sends them to its login page): the room is full
    second = client(stack)
    passes(second.get(url + "/my", timeout=60))
    # three more: the waiting room's page, places 1, 2, 3 in arrival order
    late = [client(stack) for _i in range(3)]
    pages = [s.get(url + "/my/planning?view=week", timeout=60) for s in late]
    assert [place(page) for page in pages] == [1, 2, 3]
    for number, page in enumerate(pages, start=1):
        assert page.headers["Retry-After"] == "5"
        assert page.headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" in page.headers
        outline = PageOutline(page.text)
        assert outline.lang == "fr"
        assert outline.title.startswith("File d’attente (place %d)" % number)
        assert outline.h1
        assert "Votre place dans la file d’attente : %d" % number in " ".join(
            outline.live.replace("\xa0", " ").split()
        )
        assert "Attente estimée" in outline.live
        # "try again" reloads the page the parent asked for
        assert "/my/planning?view=week" in outline.links
    # each has a ticket, and keeps their place when asking again
    assert len({s.cookies["pf_waiting_room"] for s in late}) == 3
    assert [status(stack, s)["position"] for s in late] == [1, 2, 3]
    assert waiting_room_stats(stack["socket"])["active"] == 2

    # the two admitted parents go idle: their places go to the first two in line
    wait_until(lambda: waiting_room_stats(stack["socket"])["waiting"] == 1, IDLE + 30)
    first, middle, last = late
    assert status(stack, last) == {
        "admitted": False,
        "position": 1,
        "wait": None,
        "wait_text": "en cours d’estimation",
        "retry": 5,
    }
    assert status(stack, middle) == {"admitted": True}
    assert status(stack, first) == {"admitted": True}
    passes(first.get(url + "/my/planning?view=week", timeout=60))
    passes(middle.get(url + "/my/planning?view=week", timeout=60))
    assert place(last.get(url + "/my/planning?view=week", timeout=60)) == 1

    # the demo parent, idle, the room full: their "Terminer" passes and books the day
    press_terminer(parent, url, recap, check=passes)
    # active again, above the capacity: their next page passes too
    assert waiting_room_stats(stack["socket"])["active"] == 3
    passes(parent.get(url + "/my/recap", timeout=60))

    # parents who log out free their places; the last one comes in when one is free
    left = middle.get(url + "/web/session/logout", allow_redirects=False, timeout=60)
    passes(left)
    assert "pf_waiting_room=;" in left.headers["Set-Cookie"]
    assert status(stack, last)["position"] == 1  # the demo parent and `first` are in
    passes(first.get(url + "/web/session/logout", allow_redirects=False, timeout=60))
    assert status(stack, last) == {"admitted": True}
    passes(last.get(url + "/my/planning?view=week", timeout=60))


class DevTools:
    """A page of headless Chromium, driven through its DevTools protocol."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        return result["result"].get("value")


@contextlib.contextmanager
def chromium(folder):
    profile = folder / "chromium"
    command = [
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--ignore-certificate-errors",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "--remote-allow-origins=*",
        "--user-data-dir=%s" % profile,
        "about:blank",
    ]
    log = folder / "chromium.log"

    def without_memory_limit():
        # Odoo limits the test process's address space; Chromium reserves more than
        # that (as Odoo's own ChromeBrowser, lift it)
        resource.setrlimit(
            resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
        )

    with open(log, "w") as out:
        # pylint: disable=subprocess-popen-preexec-fn
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=without_memory_limit,
        )
    with stopped_at_exit(process):
        port_file = profile / "DevToolsActivePort"

        def started():
            assert process.poll() is None, log.read_text()
            return port_file.is_file() and port_file.stat().st_size > 5

        wait_until(started, 90)
        port = int(port_file.read_text().split()[0])
        targets = requests.get("http://127.0.0.1:%d/json/list" % port, timeout=30)
        target = next(t for t in targets.json() if t["type"] == "page")
        ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60)
        try:
            yield DevTools(ws)
        finally:
            ws.close()


def test_waiting_page_lets_the_parent_in_by_itself(stack, tmp_path):
    url = stack["url"]
    # the parents of the test before leave: two new ones fill the room
    wait_until(lambda: waiting_room_stats(stack["socket"])["active"] == 0, IDLE + 30)
    holders = [client(stack) for _i in range(2)]
    for holder in holders:
        passes(holder.get(url + "/my", timeout=60))
    waiting = client(stack)
    assert place(waiting.get(url + "/my/planning", timeout=60)) == 1
    with chromium(tmp_path) as browser:
        browser.call(
            "Network.setCookie",
            name="pf_waiting_room",
            value=waiting.cookies["pf_waiting_room"],
            url=url,
        )
        browser.call("Page.navigate", url=url + "/my/planning")
        wait_until(lambda: browser.evaluate("document.readyState") == "complete", 60)
        assert browser.evaluate("document.documentElement.lang") == "fr"
        assert browser.evaluate("document.title").startswith("File d’attente (place 1)")
        live = "document.querySelector('[role=status][aria-live=polite]').innerText"
        assert "Votre place dans la file d’attente" in browser.evaluate(live)
        # a place frees: the page, asking every 5 s, opens the planning by itself
        # (Odoo's login page here: this browser has no Odoo session)
        logout = url + "/web/session/logout"
        passes(holders[0].get(logout, allow_redirects=False, timeout=60))
        wait_until(lambda: browser.evaluate("location.pathname") == "/web/login", 60)
        assert "redirect=/my/planning" in browser.evaluate(
            "decodeURIComponent(location.search)"
        )


def test_without_the_waiting_room_odoo_still_answers(stack):
    """The waiting room stopped (or failing): nginx lets parents through to Odoo
    rather than answer an error, forms with their content (nginx's fallback location
    after the failed check must not lose a request's body)."""
    stack["gate"].terminate()
    stack["gate"].wait(30)
    response = client(stack).get(stack["url"] + "/my/planning", timeout=60)
    passes(response)
    assert response.status_code == 200
    assert "/web/login" in response.url
    # forms too, with what they carry: the login, the days ticked, "Terminer"
    parent, url = client(stack), stack["url"]
    log_in(parent, url, PARENT, "parent", check=passes)
    press_terminer(
        parent, url, tick_a_free_day(parent, url, check=passes)[2], check=passes
    )


def test_settings_unit_and_site_agree(tmp_path):
    """The waiting room's settings file, its systemd unit and the nginx site name the
    same socket; the unit passes systemd-analyze verify."""
    settings = waiting_room.read_settings(ROOT / "deploy" / "waiting-room.conf", {})
    assert settings["listen"] == waiting_room.DEFAULTS["listen"]
    assert settings["admission_rate"] == 5
    # the window follows Odoo's prefork server of deploy/make-conf.sh (port 8069)
    assert settings["probe"] == "http://127.0.0.1:8069/web/health"
    assert settings["probe_target"] == 0.1
    socket_path = settings["listen"].removeprefix("unix:")
    site = (ROOT / "deploy" / "nginx-portail-famille.conf").read_text()
    assert "server unix:%s;" % socket_path in site
    name = "portail-famille-waiting-room.service"
    unit = (ROOT / "deploy" / name).read_text()
    assert "RuntimeDirectory=%s\n" % socket_path.split("/")[2] in unit
    (tmp_path / name).write_text(unit.replace("/opt/portail_famille", str(ROOT)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
