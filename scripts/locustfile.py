"""The opening rush, as parents live it, for locust (run by ``scripts/benchmark.sh
--rush``, which builds the town, serves it and reads the summary; README.md, section
"Production" › "Opening rush").

``Parent``: a parent whose session is already open (RUSH_PARENTS: a JSON list of
{"session": id}) books the Wednesdays of a month (RUSH_MONTH, "YYYY-MM"): their home
page (Odoo's /my/home), the planning, every day they can tick ticked and sent, the
recap, "Terminer", then their invoices (Odoo's /my/invoices); RUSH_THINK ("1,3")
seconds between two pages. One journey a parent, then they leave.

``LoginParent``: a parent logs in (RUSH_LOGINS: a JSON list of {"login": ...}, all with
the password RUSH_PASSWORD): the login page, the form sent, their home page.

When the waiting room holds a page (503 with X-Waiting-Room), the parent does what its
page does: asks /_waiting_room/status every few seconds until admitted, then asks for
the page again; the time spent so is recorded apart ("WAIT" rows), never as a failure
nor in the step's time. Any other answer than the expected page is a failure, by kind:
HTTP status, connection error, timeout, or an unexpected page.

At the end (every parent's journey over), RUSH_SUMMARY receives the figures in JSON.
"""

import itertools
import json
import os
import re
import select
import ssl
import time
from http.cookiejar import Cookie
from urllib.parse import urlencode, urlsplit

import gevent
import gevent.monkey
from geventhttpclient.connectionpool import ConnectionPool
from locust import FastHttpUser, events, task

CELL = re.compile(r'<input type="checkbox" class="form-check-input" name="cell" [^>]*>')
CSRF = re.compile(r'(?:csrf_token: "|name="csrf_token" value=")([^"]+)"')
HIDDEN = r'<input type="hidden" name="%s" value="([^"]*)"'
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WAITING = "0 waiting room"


def _load(variable):
    path = os.environ.get(variable)
    if not path:
        return []
    with open(path, encoding="utf-8") as data:
        return json.load(data)


PARENTS = iter(_load("RUSH_PARENTS"))
LOGINS = iter(_load("RUSH_LOGINS"))
MONTH = os.environ.get("RUSH_MONTH", "2095-10")
THINK = tuple(float(s) for s in os.environ.get("RUSH_THINK", "1,3").split(","))
RESULTS = {"journeys": 0, "held": 0, "finished": 0, "started": None, "ended": None}
_random = itertools.count()


_poll = gevent.monkey.get_original("select", "poll")
_IDLE_SOCKET_GONE = select.POLLIN | select.POLLERR | select.POLLHUP | select.POLLNVAL


def _socket_alive(_pool, sock):
    """geventhttpclient's check of a kept-alive connection before reusing it, with
    poll() instead of select(): select() refuses file numbers above 1,023, and its
    ValueError made geventhttpclient 2.3.9 drop every kept-alive connection of a
    process with more than 1,024 open files (every parent then paid a new TLS
    handshake per request: a third of the generator's CPU at 2,500 parents)."""
    try:
        if sock is None or sock.fileno() < 0:
            return False
        poller = _poll()
        poller.register(sock.fileno(), _IDLE_SOCKET_GONE)
        # an idle kept-alive connection has nothing to read: data or an end is gone
        return not poller.poll(0)
    except (OSError, ValueError):
        return False


ConnectionPool._is_socket_alive = _socket_alive

# one TLS context for every parent (a browser loads its certificates once), not one a
# parent: locust's default loads the system's certificate store for each (40 ms of CPU
# each, 100 s at the opening second of 2,500 parents); the benchmark's certificate is
# self-signed, not checked
_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE


class UnexpectedPage(Exception):
    """The page answered is not the one the step expects."""


class Journey(FastHttpUser):
    abstract = True
    # a page that has not come after a minute has failed, as a parent would see it
    network_timeout = 60.0
    connection_timeout = 60.0
    insecure = True  # the benchmark's self-signed certificate
    ssl_context_factory = staticmethod(lambda: _TLS)

    def on_start(self):
        if RESULTS["started"] is None:
            RESULTS["started"] = time.time()
        self.waited = 0.0

    def leave(self):
        """The parent is done: the run is over when every parent is (not at
        --run-time). They stay away: a user that stopped would be replaced by locust
        while it still starts users, with a parent of another."""
        RESULTS["finished"] += 1
        RESULTS["ended"] = time.time()
        if RESULTS["finished"] >= self.environment.parsed_options.num_users:
            gevent.spawn_later(0.5, self.environment.runner.quit)
        while True:
            gevent.sleep(3600)

    @task
    def journey(self):
        """The steps, once: the parent leaves after them, or after a failed one."""
        try:
            if self.me is None:
                raise UnexpectedPage("more users than parents")
            self.steps()
            RESULTS["journeys"] += 1
        except UnexpectedPage:
            pass  # recorded as the step's failure
        except Exception as error:  # an error of this script: counted, not looped
            events.request.fire(
                request_type="SCRIPT",
                name="error of the script",
                response_time=0,
                response_length=0,
                exception=error,
                context={},
            )
        self.leave()

    def steps(self):
        raise NotImplementedError

    def think(self):
        low, high = THINK
        # spread evenly, the same for every run
        gevent.sleep(low + (high - low) * ((next(_random) * 0.618) % 1.0))

    def wait_for_turn(self):
        """As the waiting page does: ask until admitted (each answer held until then,
        20 s at most); the time is recorded apart."""
        began = time.perf_counter()
        while True:
            # held by the waiting room until admitted, 20 s at most
            with self.client.get(
                "/_waiting_room/status?wait=20",
                name=WAITING + " status",
                catch_response=True,
            ) as response:
                try:
                    data = json.loads(response.content)
                except (TypeError, ValueError):
                    data = {}
                    response.failure("waiting room status unreadable")
            if data.get("admitted"):
                break
            gevent.sleep(data.get("retry", 5))
        waited = time.perf_counter() - began
        self.waited += waited
        events.request.fire(
            request_type="WAIT",
            name=WAITING + " (time until admitted)",
            response_time=waited * 1000,
            response_length=0,
            exception=None,
            context={},
        )

    def page(self, method, url, name, expect, data=None, redirect=None):
        """The answer of one step: ``expect`` (a text the page must hold) or, with
        ``redirect``, a redirection to that path. Raises UnexpectedPage (after
        recording the failure) when it is another answer."""
        while True:
            with self.client.request(
                method,
                url,
                name=name,
                data=urlencode(data, doseq=True) if data is not None else None,
                headers=FORM if data is not None else None,
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.headers and response.headers.get("X-Waiting-Room"):
                    response.request_meta["name"] = WAITING + " page"
                    response.success()
                    RESULTS["held"] += 1
                    held = True
                else:
                    held = False
                    error = self.judge(response, expect, redirect)
                    if error:
                        response.failure(error)
                    else:
                        response.success()
            if held:
                if method != "GET":
                    raise UnexpectedPage("a form was held by the waiting room")
                self.wait_for_turn()
                continue
            if error:
                raise UnexpectedPage(error)
            return response

    @staticmethod
    def judge(response, expect, redirect):
        """Why the answer is not the expected one (None when it is)."""
        error = getattr(response, "error", None)
        try:
            status = response.status_code
        except AttributeError:  # no answer at all
            status = 0
        if error is not None and not status:
            return type(error).__name__
        if redirect:
            location = urlsplit(response.headers.get("Location") or "").path
            if status in (301, 302, 303) and location == redirect:
                return None
            if status in (301, 302, 303):
                return "redirected to %s, not %s" % (location, redirect)
            return "HTTP %s" % status
        if status != 200:
            return "HTTP %s" % status
        if expect not in (response.text or ""):
            return "unexpected page (no %s)" % expect
        return None


class Parent(Journey):
    def on_start(self):
        super().on_start()
        self.me = next(PARENTS, None)
        if self.me is None:
            return
        host = urlsplit(self.host).hostname
        # the session opened beforehand, as the browser keeps it
        self.client.cookiejar.set_cookie(
            Cookie(
                version=0,
                name="session_id",
                value=self.me["session"],
                port=None,
                port_specified=False,
                domain=host,
                domain_specified=False,
                domain_initial_dot=False,
                path="/",
                path_specified=True,
                secure=False,
                expires=None,
                discard=False,
                comment=None,
                comment_url=None,
                rest={},
            )
        )

    @staticmethod
    def ticks(planning):
        """The form of the planning with every day the parent can tick ticked."""
        cells = []
        for tag in CELL.findall(planning):
            if " disabled" not in tag:
                cells.append(re.search(r'value="([^"]+)"', tag).group(1))
        if not cells:
            return None
        return {
            "csrf_token": CSRF.search(planning).group(1),
            "child": re.search(HIDDEN % "child", planning).group(1),
            "view": re.search(HIDDEN % "view", planning).group(1),
            "start": re.search(HIDDEN % "start", planning).group(1),
            "cell": cells,
            "go_recap": "1",
        }

    def steps(self):
        self.page("GET", "/my/home", "1 /my/home (Odoo)", "o_portal_my_home")
        self.think()
        planning = self.page(
            "GET", "/my/planning?month=%s" % MONTH, "2 planning", 'name="cell"'
        )
        form = self.ticks(planning.text)
        if form is None:
            events.request.fire(
                request_type="GET",
                name="2 planning",
                response_time=0,
                response_length=0,
                exception=UnexpectedPage("no day the parent can tick"),
                context={},
            )
            raise UnexpectedPage("no day to tick")
        self.think()
        self.page(
            "POST", "/my/planning", "3 days ticked (POST)", None, form, "/my/recap"
        )
        recap = self.page("GET", "/my/recap", "4 recap", "/my/recap/confirm")
        self.think()
        self.page(
            "POST",
            "/my/recap/confirm",
            "5 Terminer (POST)",
            "o_pf_recap_done",
            {"csrf_token": CSRF.search(recap.text).group(1)},
        )
        self.think()
        self.page("GET", "/my/invoices", "6 /my/invoices (Odoo)", "o_portal_wrap")


class LoginParent(Journey):
    def on_start(self):
        super().on_start()
        self.me = next(LOGINS, None)

    def steps(self):
        form = self.page("GET", "/web/login", "1 login page", 'name="login"')
        self.page(
            "POST",
            "/web/login",
            "2 login (POST)",
            None,
            {
                "login": self.me["login"],
                "password": os.environ["RUSH_PASSWORD"],
                "csrf_token": CSRF.search(form.text).group(1),
            },
            "/my",
        )
        self.page("GET", "/my/home", "3 /my/home (Odoo)", "o_portal_my_home")


@events.quitting.add_listener
def write_summary(environment, **_kwargs):
    path = os.environ.get("RUSH_SUMMARY")
    if not path:
        return
    stats = environment.stats
    rows = []
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        rows.append(
            {
                "name": entry.name,
                "method": entry.method,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "p50": entry.get_response_time_percentile(0.5),
                "p95": entry.get_response_time_percentile(0.95),
                "p99": entry.get_response_time_percentile(0.99),
                "max": entry.max_response_time,
                "total_ms": entry.total_response_time,
            }
        )
    failures = [
        {
            "method": error.method,
            "name": error.name,
            "error": str(error.error),
            "occurrences": error.occurrences,
        }
        for error in stats.errors.values()
    ]
    with open(path, "w", encoding="utf-8") as out:
        json.dump({**RESULTS, "rows": rows, "failures": failures}, out, indent=1)
