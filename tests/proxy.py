"""Helpers of the production recipe's tests: nginx with the project's site file
(deploy/nginx-portail-famille.conf) in front of Odoo, and a parent who books through
it."""

import contextlib
import re

import requests
from requests.adapters import HTTPAdapter
from servers import CSRF, nginx_conf, nginx_process, tick_a_free_day, write_site

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


def book_a_free_day(session, url):
    """The parent ticks a free day, goes to the recap and presses Terminer:
    (the month, the day's key, the answer to Terminer)."""
    month, free, recap = tick_a_free_day(session, url)
    done = session.post(
        url + "/my/recap/confirm",
        data={"csrf_token": CSRF.search(recap.text).group(1)},
        timeout=60,
    )
    assert done.status_code == 200
    assert "o_pf_recap_done" in done.text
    assert "pf-result-ok" in done.text  # the day is booked
    return month, free, done
