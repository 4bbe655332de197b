#!/usr/bin/env python3
"""Waiting room of the Portail Famille (README.md, "Production" › "Opening rush").

nginx asks it, before each parent's page (``auth_request`` on /my, / and /web/login of
deploy/nginx-portail-famille.conf), whether the parent may go on to Odoo:

- a parent gets a ticket (a cookie) at their first page; tickets are numbered in
  arrival order;
- at most ``capacity`` parents are *active* at once: admitted, with a page asked within
  the last ``idle_timeout`` seconds; the others wait, and the first in line is admitted
  as soon as a place frees (an active parent gone idle, or logged out), at most
  ``admission_rate`` a second (0: no limit), so that the first seconds of the rush do
  not send ``capacity`` parents to Odoo at the same instant;
- a parent who waits gets the waiting page (HTTP 503 with Retry-After, in French): their
  place in the line and the expected wait (from the places freed in the last minutes).
  The page asks again by itself (``/_waiting_room/status?wait=20``: the answer comes
  the moment the parent is let in, or after 20 s with their place) and opens the page
  the parent asked for when their turn comes; a parent who stops asking (tab closed) for
  ``waiting_timeout`` seconds is out of the line, and keeps their number if they come
  back;
- a form sent (POST...) always passes: it comes from a page the parent was given, and
  holding it would lose what they did (a "Terminer" is never lost); it makes an admitted
  parent active again, even above the capacity;
- with ``probe`` (the URL of Odoo's /web/health), the number of active parents follows
  the server: every second the waiting room asks that page and times the answer (the
  wait for a free Odoo worker, as the parents' pages wait); slower than
  ``probe_target``, the *window* (the active parents allowed now, ``capacity`` at
  most) drops to 90 % of the active parents, at most once in 5 s; in time, a full
  window grows by one parent, by 10 % when the answer came in less than half the
  target (additive increase, multiplicative decrease, as TCP's window); with no one in
  line and such an answer, it goes back towards ``capacity`` (a tenth of it a
  second: a window cut at a quiet time does not hold back the next opening). A window
  of parents, not a rate of admissions: the load of the server is the number of
  parents on it, which the window bounds at once, where a rate only bounds how fast
  it grows (a rate cut when the server is slow still adds parents, and the parents let
  in keep loading it for the minute of their visit: the load then swings between
  overload and idleness).

It holds its state in memory (restarting it during a rush sends every parent back to
the line with a new ticket) and needs only Python's standard library:

    python3 deploy/waiting_room.py [-c /etc/odoo/waiting-room.conf] [--listen ...]

Settings (file ``[waiting_room]`` section, or options): listen (``unix:/path`` or
``host:port``), capacity, admission_rate, idle_timeout, waiting_timeout,
cookie_max_age, probe, probe_target. ``kill -HUP`` reads the file again (they change
at once, the line is kept).
``GET /_waiting_room/stats`` on its socket: the numbers of the moment, in JSON.
"""

import argparse
import asyncio
import bisect
import collections
import configparser
import contextlib
import html
import json
import logging
import math
import os
import secrets
import signal
import time
import urllib.parse

_logger = logging.getLogger("waiting_room")

COOKIE = "pf_waiting_room"
DEFAULTS = {
    "listen": "unix:/run/portail-famille-waiting-room/gate.sock",
    "capacity": "200",
    "admission_rate": "0",
    "idle_timeout": "120",
    "waiting_timeout": "60",
    "cookie_max_age": "43200",
    "probe": "",
    "probe_target": "0.1",
}
# connections nginx may open at once before the gate accepts them (asyncio's default,
# 100, is too few at the opening second: nginx then lets parents through unasked);
# net.core.somaxconn caps it
BACKLOG = 4096
# the waiting page asks again after this many seconds: soon when the turn is near,
# and never later than half the soonest the parent can be let in (POLL_SOON at least)
POLL_NEAR = 5
POLL_FAR = 15
POLL_SOON = 2
# /_waiting_room/status?wait=N holds the answer until the parent is let in, N seconds
# at most (HOLD_MAX): the page learns its turn at once and asks once every N seconds
HOLD_MAX = 25
# how often the gate lets in the first in line when places free by themselves (an
# admitted parent gone idle, admission_rate's next admission)
TICK = 0.25
# the window of active parents with a probe: the smallest, the share of the active
# parents kept when the server is slow (at most once in WINDOW_HOLD seconds: the
# parents on the portal leave in their own time, the next probes still see them), the
# parents added each second it is not, and the share added when the server answers
# in less than half its target (far from its limit: the window catches up fast)
WINDOW_MIN = 5
WINDOW_DECREASE = 0.9
WINDOW_HOLD = 5.0
WINDOW_INCREASE = 1.0
WINDOW_GROWTH = 0.1
PROBE_EVERY = 1.0
# the places freed in the last RATE_WINDOW seconds (parents gone idle or logged out)
# give the expected wait: the first admissions, when the room fills, say nothing of it
RATE_WINDOW = 300
RATE_MIN_DEPARTURES = 3
RATE_MIN_SPAN = 60


class Ticket:
    __slots__ = ("admitted", "last_seen", "seq", "token")

    def __init__(self, seq, token, now):
        self.seq = seq
        self.token = token
        self.last_seen = now
        self.admitted = False  # admitted once: its forms always pass


class WaitingRoom:
    """The line and the admitted parents; ``now`` is a monotonic clock in seconds."""

    def __init__(self, capacity, idle_timeout, waiting_timeout, admission_rate=0):
        self.capacity = capacity
        self.admission_rate = admission_rate
        # the active parents allowed now (with a probe; None: capacity), fewer while
        # the server is slow
        self.window = None
        self.window_cut_at = None
        self.probe_seconds = None  # the last probe's answer time (None: failed)
        self.tokens = None  # admissions allowed now (with admission_rate), and when
        self.tokens_at = 0.0
        self.idle_timeout = idle_timeout
        self.waiting_timeout = waiting_timeout
        self.tickets = {}  # token -> Ticket
        self.active = collections.OrderedDict()  # token -> last_seen, oldest first
        self.line = []  # sorted [(seq, token)] of the parents waiting
        self.departures = collections.deque()  # when the recent places freed
        self.next_seq = 1
        self.admitted_total = 0
        self.passed_forms = 0
        self.admitted_now = []  # tokens let in since the gate last looked

    # -- the line
    def _expire(self, now):
        """The active parents gone idle leave; the first in line take their places."""
        while self.active:
            token, last_seen = next(iter(self.active.items()))
            if last_seen > now - self.idle_timeout:
                break
            del self.active[token]
            self.departures.append(last_seen + self.idle_timeout)
        while self.departures and self.departures[0] <= now - RATE_WINDOW:
            self.departures.popleft()
        self._admit(now)

    def _admit(self, now):
        """The first in line come in while there are places (and, with
        admission_rate, admissions allowed): at once, not when they ask next (their
        page learns it within seconds; their idle time starts now)."""
        allowed = self._admissible(now)
        while allowed > 0 and self.line:
            _seq, token = self.line.pop(0)
            ticket = self.tickets[token]
            ticket.admitted = True
            ticket.last_seen = now
            self.active[token] = now
            self.admitted_total += 1
            self.admitted_now.append(token)
            allowed -= 1
            if self.admission_rate:
                self.tokens -= 1

    def sweep(self, now, forget_after):
        """Out of the line: the waiting parents not seen for ``waiting_timeout``; out
        of memory: the tickets not seen for ``forget_after`` seconds."""
        gone = now - self.waiting_timeout
        self.line = [
            (seq, token)
            for seq, token in self.line
            if self.tickets[token].last_seen > gone
        ]
        self._expire(now)
        in_line = {token for _seq, token in self.line}
        for token, ticket in list(self.tickets.items()):
            if (
                ticket.last_seen <= now - forget_after
                and token not in self.active
                and token not in in_line
            ):
                del self.tickets[token]

    def _ticket(self, token, now):
        """(ticket, new): the parent's ticket, a new one when unknown."""
        ticket = self.tickets.get(token) if token else None
        if ticket:
            return ticket, False
        ticket = Ticket(self.next_seq, secrets.token_urlsafe(18), now)
        self.next_seq += 1
        self.tickets[ticket.token] = ticket
        return ticket, True

    def _activate(self, ticket, now):
        ticket.last_seen = now
        self.active[ticket.token] = now
        self.active.move_to_end(ticket.token)
        index = bisect.bisect_left(self.line, (ticket.seq, ticket.token))
        if index < len(self.line) and self.line[index][1] == ticket.token:
            del self.line[index]

    def rate(self, now):
        """Places freed per second lately (what admits the line; no more than
        admission_rate), None while too few to tell."""
        if len(self.departures) < RATE_MIN_DEPARTURES:
            return None
        rate = len(self.departures) / max(now - self.departures[0], RATE_MIN_SPAN)
        return min(rate, self.admission_rate) if self.admission_rate else rate

    def _admissible(self, now):
        """How many of the first in line may come in now: the free places, and with
        admission_rate the admissions it allows (a second's worth at most, so that
        the line moves every second, not in bursts)."""
        free = self.limit() - len(self.active)
        if not self.admission_rate:
            return free
        burst = max(self.admission_rate, 1.0)
        if self.tokens is None:
            self.tokens = burst
        self.tokens = min(
            burst, self.tokens + (now - self.tokens_at) * self.admission_rate
        )
        self.tokens_at = now
        return min(free, int(self.tokens))

    def check(self, token, method, now):
        """What to do with a parent's request: a dict with ``admitted`` (bool),
        ``ticket`` (the Ticket), ``new`` (a ticket given now), and for a parent who
        waits ``position`` (1 = next) and ``wait`` (expected seconds, or None)."""
        self._expire(now)
        ticket, new = self._ticket(token, now)
        result = {"ticket": ticket, "new": new, "admitted": True}
        if ticket.token in self.active:
            self._activate(ticket, now)
            return result
        if method not in ("GET", "HEAD"):
            # a form is never held; it makes an admitted parent active again
            self.passed_forms += 1
            if ticket.admitted:
                self._activate(ticket, now)
            return result
        ticket.last_seen = now
        key = (ticket.seq, ticket.token)
        index = bisect.bisect_left(self.line, key)
        if index == len(self.line) or self.line[index] != key:
            self.line.insert(index, key)
            self._admit(now)
            if ticket.token in self.active:
                return result
            index = bisect.bisect_left(self.line, key)
        rate = self.rate(now)
        result.update(
            admitted=False,
            position=index + 1,
            wait=(index + 1) / rate if rate else None,
        )
        return result

    def limit(self):
        """The active parents allowed now: the window, the capacity at most."""
        if self.window is None:
            return self.capacity
        return min(self.capacity, int(self.window))

    def adapt(self, seconds, target, now):
        """The window after a probe of the server: ``seconds`` its answer time (None:
        no answer in time). Slower than ``target``: WINDOW_DECREASE of the active
        parents (of the window when it is smaller), WINDOW_MIN at least, once in
        WINDOW_HOLD seconds at most. In time, and the window full (a window that
        does not hold anyone back says nothing of the server): WINDOW_INCREASE more,
        or WINDOW_GROWTH of it when the answer came in less than half the target.
        With no one in line and an answer in less than half the target, the window
        goes back towards the capacity, WINDOW_GROWTH of the capacity a probe: a
        window cut at a quiet time (a slow probe while the server was busy with
        something else) does not hold back the next opening, which starts as the
        first one does (admission_rate paces it, the probe cuts the window again as
        soon as the server slows). Capacity at most."""
        self.probe_seconds = seconds
        if self.window is None:
            self.window = float(self.capacity)
        if seconds is None or seconds > target:
            if self.window_cut_at is None or now - self.window_cut_at >= WINDOW_HOLD:
                load = min(self.window, len(self.active))
                self.window = max(load * WINDOW_DECREASE, WINDOW_MIN)
                self.window_cut_at = now
        elif len(self.active) >= int(self.window):
            step = WINDOW_INCREASE
            if seconds <= target / 2:
                step = max(step, self.window * WINDOW_GROWTH)
            self.window = min(self.window + step, self.capacity)
        elif not self.line and seconds <= target / 2:
            self.window = min(
                self.window + self.capacity * WINDOW_GROWTH, self.capacity
            )

    def poll_delay(self, position):
        """Seconds before the waiting page of the parent at ``position`` asks again:
        POLL_NEAR near the front, POLL_FAR beyond; with admission_rate, never more
        than half the soonest the parent can come in (a second's burst, then
        admission_rate a second), so that a place given to a parent is taken within
        seconds, not left empty until their page asks."""
        delay = POLL_NEAR if position <= 20 else POLL_FAR
        if self.admission_rate:
            burst = max(self.admission_rate, 1.0)
            soonest = max(position - burst, 0) / self.admission_rate
            delay = min(delay, max(POLL_SOON, math.floor(soonest / 2)))
        return delay

    def tick(self, now):
        """The tokens of the parents let in since the last call (idle parents' places
        and admission_rate's next admissions given first)."""
        self._expire(now)
        admitted, self.admitted_now = self.admitted_now, []
        return admitted

    def leave(self, token, now):
        """A parent logged out: their place goes to the next one, their ticket too."""
        ticket = self.tickets.pop(token, None) if token else None
        if ticket:
            if self.active.pop(ticket.token, None) is not None:
                self.departures.append(now)
            key = (ticket.seq, ticket.token)
            index = bisect.bisect_left(self.line, key)
            if index < len(self.line) and self.line[index] == key:
                del self.line[index]
            self._admit(now)

    def stats(self, now):
        self._expire(now)
        rate = self.rate(now)
        return {
            "capacity": self.capacity,
            "admission_rate": self.admission_rate,
            "idle_timeout": self.idle_timeout,
            "waiting_timeout": self.waiting_timeout,
            "active": len(self.active),
            "waiting": len(self.line),
            "tickets": len(self.tickets),
            "admitted_total": self.admitted_total,
            "passed_forms": self.passed_forms,
            "window": self.limit(),
            "probe_ms": (
                None if self.probe_seconds is None else round(self.probe_seconds * 1000)
            ),
            "freed_per_minute": round(rate * 60, 1) if rate else None,
        }


# -- the waiting page (French: the town's portal is in French)
def wait_text(seconds):
    if seconds is None:
        return "en cours d’estimation"
    if seconds < 60:
        return "moins d’une minute"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return "environ %d minute%s" % (minutes, "s" if minutes > 1 else "")
    return "environ %d h %02d" % divmod(minutes, 60)


PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>File d’attente (place {position}) – Portail Famille</title>
<noscript><meta http-equiv="refresh" content="{retry}"></noscript>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  margin: 0; background: #f4f6f8; color: #1d2733; line-height: 1.5; }}
main {{ max-width: 36rem; margin: 2rem auto; padding: 1.5rem; background: #fff;
  border-radius: .5rem; box-shadow: 0 1px 3px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.5rem; margin-top: 0; }}
.pf-wr-status {{ border-left: .35rem solid #1f5fa8; padding: .5rem 1rem;
  background: #eef4fb; margin: 1.5rem 0; }}
.pf-wr-status p {{ margin: .25rem 0; }}
.pf-wr-place {{ font-size: 1.25rem; }}
a {{ color: #1f5fa8; }}
a:focus, a:hover {{ outline: 3px solid #1f5fa8; outline-offset: 2px; }}
.pf-wr-note {{ color: #4a5563; font-size: .9rem; }}
</style>
</head>
<body>
<main>
<h1>Le portail accueille beaucoup de familles en ce moment</h1>
<p>Pour que chacun puisse réserver sans erreur, les familles entrent sur le portail
dans l’ordre d’arrivée. Gardez cette page ouverte&nbsp;: elle se met à jour toute seule
et vous ouvre le portail dès que c’est votre tour.</p>
<div class="pf-wr-status" id="pf-wr-status" role="status" aria-live="polite"
 aria-atomic="true">
<p class="pf-wr-place">Votre place dans la file d’attente&nbsp;:
<strong id="pf-wr-position">{position}</strong></p>
<p>Attente estimée&nbsp;: <span id="pf-wr-wait">{wait}</span></p>
</div>
<p>Vous ne perdez rien en attendant&nbsp;: ce que vous avez déjà mis dans votre
récapitulatif reste enregistré, et vous gardez votre place si vous rechargez la
page.</p>
<p><a href="{url}">Réessayer maintenant</a></p>
<p class="pf-wr-note">Dernière mise à jour à <span id="pf-wr-time">{time}</span>.</p>
</main>
<script>
(function () {{
  "use strict";
  var live = document.getElementById("pf-wr-status");
  var shown = "{position}|{wait}";
  function next(seconds) {{ window.setTimeout(poll, seconds * 1000); }}
  function poll() {{
    fetch("/_waiting_room/status?wait=20",
          {{credentials: "same-origin", cache: "no-store"}})
      .then(function (response) {{ return response.json(); }})
      .then(function (data) {{
        document.getElementById("pf-wr-time").textContent =
          new Date().toLocaleTimeString("fr-FR");
        if (data.admitted) {{
          live.textContent = "C’est votre tour : le portail s’ouvre.";
          window.location.reload();
          return;
        }}
        if (data.position + "|" + data.wait_text !== shown) {{
          // the live region is written only when it changes: read once, not every poll
          shown = data.position + "|" + data.wait_text;
          document.getElementById("pf-wr-position").textContent = data.position;
          document.getElementById("pf-wr-wait").textContent = data.wait_text;
          document.title =
            "File d’attente (place " + data.position + ") – Portail Famille";
        }}
        next(data.retry);
      }})
      .catch(function () {{ next({retry}); }});
  }}
  next({retry});
}})();
</script>
</body>
</html>
"""


def render_page(result, url, retry):
    return PAGE.format(
        position=result["position"],
        wait=html.escape(wait_text(result["wait"])),
        retry=retry,
        url=html.escape(url, quote=True),
        time=time.strftime("%H:%M:%S"),
    )


# -- HTTP (what nginx sends: small GET requests, kept alive)
class Gate:
    def __init__(self, settings):
        self.settings = settings
        self.room = WaitingRoom(
            settings["capacity"],
            settings["idle_timeout"],
            settings["waiting_timeout"],
            settings["admission_rate"],
        )
        # token: [the Event their held status requests wait on, how many wait]
        self.held = {}

    def configure(self, settings):
        self.settings = settings
        self.room.capacity = settings["capacity"]
        self.room.admission_rate = settings["admission_rate"]
        if not settings["probe"]:
            self.room.window = None
        self.room.idle_timeout = settings["idle_timeout"]
        self.room.waiting_timeout = settings["waiting_timeout"]

    def cookie(self, token, secure, max_age=None):
        max_age = self.settings["cookie_max_age"] if max_age is None else max_age
        return "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s" % (
            COOKIE,
            token,
            max_age,
            "; Secure" if secure else "",
        )

    def wake(self, now):
        """Answer the held status requests of the parents let in."""
        for token in self.room.tick(now):
            if token in self.held:
                self.held[token][0].set()

    async def hold(self, target, headers):
        """A status request with ``wait=N``: while its parent waits in line, wait
        until they are let in (wake), N seconds at most."""
        path, _sep, query = target.partition("?")
        if path != "/_waiting_room/status":
            return
        seconds = 0.0
        for pair in query.split("&"):
            name, _sep, value = pair.partition("=")
            if name == "wait":
                with contextlib.suppress(ValueError):
                    seconds = min(max(float(value), 0.0), HOLD_MAX)
        token = read_cookie(headers.get("cookie", ""))
        # an unknown ticket gets its new one at once (respond), not held
        if not seconds or token not in self.room.tickets:
            return
        if self.room.check(token, "GET", time.monotonic())["admitted"]:
            return
        # the parent's pages in several tabs wait on the same event
        held = self.held.setdefault(token, [asyncio.Event(), 0])
        held[1] += 1
        try:
            await asyncio.wait_for(held[0].wait(), seconds)
        except asyncio.TimeoutError:
            pass
        finally:
            held[1] -= 1
            if not held[1]:
                del self.held[token]

    def respond(self, method, path, headers):
        """(status, [(header, value)], body bytes) of one request."""
        now = time.monotonic()
        token = read_cookie(headers.get("cookie", ""))
        secure = headers.get("x-forwarded-proto") == "https"
        out = [("Cache-Control", "no-store")]
        if path == "/_waiting_room/check":
            original = headers.get("x-original-uri", "/").split("?")[0]
            if original == "/web/session/logout":
                self.room.leave(token, now)
                return 204, [*out, ("Set-Cookie", self.cookie("", secure, 0))], b""
            result = self.room.check(
                token, headers.get("x-original-method", "GET").upper(), now
            )
            if result["new"]:
                new = result["ticket"].token
                out += [("Set-Cookie", self.cookie(new, secure))]
                out += [("X-Waiting-Room-Ticket", new)]
            return (204 if result["admitted"] else 401), out, b""
        if path.partition("?")[0] == "/_waiting_room/status":
            result = self.room.check(token, "GET", now)
            if result["new"]:
                out.append(("Set-Cookie", self.cookie(result["ticket"].token, secure)))
            data = {"admitted": result["admitted"]}
            if not result["admitted"]:
                data.update(
                    position=result["position"],
                    wait=result["wait"] and round(result["wait"]),
                    wait_text=wait_text(result["wait"]),
                    # after a held answer (?wait=N), the page asks again at once
                    retry=(
                        0
                        if "wait=" in path
                        else self.room.poll_delay(result["position"])
                    ),
                )
            body = json.dumps(data).encode()
            return 200, [*out, ("Content-Type", "application/json")], body
        if path == "/_waiting_room/stats":
            body = json.dumps(self.room.stats(now)).encode()
            return 200, [*out, ("Content-Type", "application/json")], body
        if headers.get("x-waiting-room-page"):
            # the page of a parent who waits (nginx's error_page after a 401 above);
            # a ticket given by that check comes in X-Waiting-Room-Ticket
            given = headers.get("x-waiting-room-ticket")
            result = self.room.check(given or token, "GET", now)
            if given or result["new"]:
                out.append(("Set-Cookie", self.cookie(result["ticket"].token, secure)))
            if result["admitted"]:
                # a place freed in between: the page's first question opens the portal
                result = {"position": 1, "wait": 0}
            url = path
            if (
                method not in ("GET", "HEAD")
                or not path.startswith("/")
                or (path.startswith("//"))
            ):
                url = "/my"
            retry = self.room.poll_delay(result["position"])
            out += [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Retry-After", str(retry)),
                ("X-Waiting-Room", str(result["position"])),
            ]
            return 503, out, render_page(result, url, retry).encode()
        return 404, out, b""

    async def serve(self, reader, writer):
        try:
            while True:
                try:
                    head = await asyncio.wait_for(
                        reader.readuntil(b"\r\n\r\n"), timeout=75
                    )
                except (
                    asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError,
                    asyncio.TimeoutError,
                    ConnectionError,
                ):
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, target, version = lines[0].split(" ", 2)
                except ValueError:
                    return
                headers = {}
                for line in lines[1:]:
                    name, _sep, value = line.partition(":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                try:
                    length = int(headers.get("content-length") or 0)
                    if length:
                        await reader.readexactly(length)
                    await self.hold(target, headers)
                    status, out, body = self.respond(method, target, headers)
                    self.wake(time.monotonic())
                except (ValueError, asyncio.IncompleteReadError):
                    return
                except Exception:
                    # nginx lets the parent through to Odoo when the gate fails
                    _logger.exception("%s %s", method, target)
                    status, out, body = 500, [], b""
                keep = version == "HTTP/1.1" and (
                    headers.get("connection", "").lower() != "close"
                )
                writer.write(
                    (
                        "HTTP/1.1 %d %s\r\n%sContent-Length: %d\r\n"
                        "Connection: %s\r\n\r\n"
                        % (
                            status,
                            REASONS.get(status, "OK"),
                            "".join("%s: %s\r\n" % pair for pair in out),
                            len(body),
                            "keep-alive" if keep else "close",
                        )
                    ).encode("latin-1")
                    + (b"" if method == "HEAD" else body)
                )
                await writer.drain()
                if not keep:
                    return
        except ConnectionError:
            return
        finally:
            writer.close()


REASONS = {
    200: "OK",
    204: "No Content",
    401: "Unauthorized",
    404: "Not Found",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


async def probe_once(url, timeout):
    """Seconds until Odoo answered ``url`` (its /web/health) with a 200, or None (no
    answer within ``timeout``, an error)."""
    parts = urllib.parse.urlsplit(url)
    began = time.monotonic()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                parts.hostname, parts.port or 80
            )
            writer.write(
                (
                    "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: waiting-room\r\n\r\n"
                    % (parts.path or "/", parts.netloc)
                ).encode("latin-1")
            )
            await writer.drain()
            status = await reader.readline()
            await reader.read()
    except (OSError, asyncio.TimeoutError, ValueError):
        return None
    finally:
        if writer:
            writer.close()
    if status.split(b" ")[1:2] != [b"200"]:
        return None
    return time.monotonic() - began


def read_cookie(header):
    """The ticket in a Cookie header (read by hand: a malformed cookie of another
    application must not hide it)."""
    for part in header.split(";"):
        name, _sep, value = part.strip().partition("=")
        if name == COOKIE and value:
            return value.strip('"')
    return None


def read_settings(path, overrides):
    parser = configparser.ConfigParser()
    parser.read_dict({"waiting_room": DEFAULTS})
    if path:
        with open(path, encoding="utf-8") as conf:
            parser.read_file(conf)
    section = parser["waiting_room"]
    settings = {
        "listen": section["listen"],
        "capacity": section.getint("capacity"),
        "admission_rate": section.getfloat("admission_rate"),
        "idle_timeout": section.getfloat("idle_timeout"),
        "waiting_timeout": section.getfloat("waiting_timeout"),
        "cookie_max_age": section.getint("cookie_max_age"),
        "probe": section["probe"].strip(),
        "probe_target": section.getfloat("probe_target"),
    }
    settings.update({k: v for k, v in overrides.items() if v is not None})
    if settings["capacity"] < 1 or settings["idle_timeout"] <= 0:
        raise ValueError("capacity and idle_timeout must be positive")
    if settings["admission_rate"] < 0:
        raise ValueError("admission_rate must be 0 (no limit) or positive")
    if settings["probe"] and not settings["probe"].startswith("http://"):
        raise ValueError("probe must be an http:// URL (Odoo's /web/health)")
    if settings["probe_target"] <= 0:
        raise ValueError("probe_target must be positive")
    return settings


async def main(args):
    overrides = {
        "listen": args.listen,
        "capacity": args.capacity,
        "admission_rate": args.admission_rate,
        "idle_timeout": args.idle_timeout,
        "waiting_timeout": args.waiting_timeout,
        "probe": args.probe,
        "probe_target": args.probe_target,
    }
    gate = Gate(read_settings(args.config, overrides))
    listen = gate.settings["listen"]
    if listen.startswith("unix:"):
        path = listen[len("unix:") :]
        if os.path.exists(path):
            os.unlink(path)
        server = await asyncio.start_unix_server(gate.serve, path, backlog=BACKLOG)
        # nginx (another user) connects to it
        os.chmod(path, 0o666)
    else:
        host, _sep, port = listen.rpartition(":")
        server = await asyncio.start_server(
            gate.serve, host or "127.0.0.1", int(port), backlog=BACKLOG
        )
    loop = asyncio.get_running_loop()

    def reload():
        try:
            gate.configure(read_settings(args.config, overrides))
            _logger.info("settings read again: %s", gate.room.stats(time.monotonic()))
        except (OSError, ValueError, configparser.Error) as error:
            _logger.error("settings not read again, kept as they were: %s", error)

    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGHUP, reload)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    _logger.info(
        "waiting room on %s: capacity %d, at most %g admissions a second (0: no "
        "limit), idle after %gs, out of the line after %gs, window of active parents "
        "from %s",
        listen,
        gate.room.capacity,
        gate.room.admission_rate,
        gate.room.idle_timeout,
        gate.room.waiting_timeout,
        gate.settings["probe"] or "nothing (no probe)",
    )

    async def sweep():
        last_log = 0.0
        while True:
            await asyncio.sleep(1)
            now = time.monotonic()
            gate.room.sweep(now, gate.settings["cookie_max_age"])
            if now - last_log >= 60 and (gate.room.line or gate.room.active):
                _logger.info("%s", json.dumps(gate.room.stats(now)))
                last_log = now

    async def tick():
        while True:
            await asyncio.sleep(TICK)
            gate.wake(time.monotonic())

    async def probe():
        while True:
            await asyncio.sleep(PROBE_EVERY)
            if gate.settings["probe"]:
                target = gate.settings["probe_target"]
                seconds = await probe_once(gate.settings["probe"], target * 4)
                gate.room.adapt(seconds, target, time.monotonic())

    tasks = [asyncio.create_task(job()) for job in (sweep, tick, probe)]
    async with server:
        await stop.wait()
    for task in tasks:
        task.cancel()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", help="settings file ([waiting_room])")
    parser.add_argument("--listen", help="unix:/path/gate.sock or 127.0.0.1:8073")
    parser.add_argument("--capacity", type=int)
    parser.add_argument("--admission-rate", type=float)
    parser.add_argument("--idle-timeout", type=float)
    parser.add_argument("--waiting-timeout", type=float)
    parser.add_argument("--probe", help="http://127.0.0.1:8069/web/health")
    parser.add_argument("--probe-target", type=float)
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(main(parse_args()))
