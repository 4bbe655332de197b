"""Helpers of the production recipe's tests: nginx with the project's site file
(deploy/nginx-portail-famille.conf) in front of Odoo, and a parent who books through
it."""

import contextlib
import datetime
import re

import requests
from requests.adapters import HTTPAdapter
from servers import nginx_conf, nginx_process, write_site

PARENT = "parent@demo.portail-famille.fr"
CLIENT_ADDRESS = "127.0.0.2"  # the client connects from another loopback address


@contextlib.contextmanager
def nginx_site(tmp, upstreams, tls_port, plain_port):
    """nginx running the site file as it is, with `upstreams` for its upstream blocks
    and the test's ports, names and paths (servers.write_site), until the block ends.
    Yields the site: its https and plain URLs, the certificate, the access log (with
    the upstream server that answered each request)."""
    cert = write_site(tmp, tls_port, plain_port, upstreams)
    nginx = nginx_conf(
        tmp, """upstream '$remote_addr "$request" $status $upstream_addr'"""
    )
    with nginx_process(nginx, tls_port):
        yield {
            "url": "https://127.0.0.1:%d" % tls_port,
            "plain": "http://127.0.0.1:%d" % plain_port,
            "cert": str(cert),
            "access_log": tmp / "access.log",
        }


class SourceAddressAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (CLIENT_ADDRESS, 0)
        super().init_poolmanager(*args, **kwargs)


def parent_session(site):
    """A requests session of the demo parent, logged in through nginx."""
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace `verify`
    session.verify = site["cert"]
    session.mount("https://", SourceAddressAdapter())
    # a client's own X-Forwarded-For is not believed: Odoo takes nginx's last entry
    session.headers["X-Forwarded-For"] = "203.0.113.7"
    url = site["url"]
    page = session.get(url + "/web/login", timeout=60)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = session.post(
        url + "/web/login",
        data={"login": PARENT, "password": "parent", "csrf_token": csrf},
        timeout=60,
    )
    assert "/web/login" not in response.url, "the demo parent could not log in"
    return session


CELL = re.compile(r'<input type="checkbox" class="form-check-input" name="cell" [^>]*>')


def planning(session, url, month):
    """The planning page of `month` (a date): (page, the days ticked, the days free)."""
    page = session.get(
        url + "/my/planning?month=%s" % month.strftime("%Y-%m"), timeout=60
    )
    assert page.status_code == 200
    assert "/web/login" not in page.url, "the session is not valid there"
    ticked, free = set(), []
    for tag in CELL.findall(page.text):
        key = re.search(r'value="([^"]+)"', tag).group(1)
        if " checked" in tag:
            ticked.add(key)
        elif " disabled" not in tag:
            free.append(key)
    return page.text, ticked, free


def planning_with_a_free_day(session, url):
    """The planning (this month or one of the next three) with a day the parent can
    still tick: (month, page, the days already ticked, a free day)."""
    month = datetime.date.today().replace(day=1)
    for _i in range(4):
        page, ticked, free = planning(session, url, month)
        if free:
            return month, page, ticked, free[0]
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    raise AssertionError("the demo parent has no day to book in the next months")


def hidden(page, name):
    return re.search(
        r'<input type="hidden" name="%s" value="([^"]*)"' % name, page
    ).group(1)


def book_a_free_day(session, url):
    """The parent ticks a free day, goes to the recap and presses Terminer:
    (the month, the day's key, the answer to Terminer)."""
    month, page, ticked, free = planning_with_a_free_day(session, url)
    csrf = re.search(r'csrf_token: "([^"]+)"', page).group(1)
    recap = session.post(
        url + "/my/planning",
        data={
            "csrf_token": csrf,
            "child": hidden(page, "child"),
            "view": hidden(page, "view"),
            "start": hidden(page, "start"),
            "cell": sorted(ticked | {free}),
            "go_recap": "1",
        },
        timeout=60,
    )
    assert recap.status_code == 200
    assert recap.url == url + "/my/recap"
    assert "/my/recap/confirm" in recap.text
    done = session.post(
        url + "/my/recap/confirm",
        data={"csrf_token": re.search(r'csrf_token: "([^"]+)"', recap.text).group(1)},
        timeout=60,
    )
    assert done.status_code == 200
    assert "o_pf_recap_done" in done.text
    assert "pf-result-ok" in done.text  # the day is booked
    return month, free, done
