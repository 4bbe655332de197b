"""Helpers of the production recipe's tests: nginx with the project's site file
(deploy/nginx-portail-famille.conf) in front of Odoo, and a parent who books through
it."""

import contextlib

import requests
from requests.adapters import HTTPAdapter
from servers import (
    log_in,
    nginx_conf,
    nginx_process,
    press_terminer,
    tick_a_free_day,
    write_site,
)

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
    log_in(session, site["url"], PARENT, "parent")
    return session


def book_a_free_day(session, url):
    """The parent ticks a free day, goes to the recap and presses Terminer:
    (the month, the day's key, the answer to Terminer)."""
    month, free, recap = tick_a_free_day(session, url)
    return month, free, press_terminer(session, url, recap)
