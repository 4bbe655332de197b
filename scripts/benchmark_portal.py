"""Server time of the planning page and the recap with the benchmark town loaded.

    run through: ./scripts/benchmark.sh --families 5000 --portal

Logs in as the benchmark family's parent, warms up, then requests each page N times
over loopback and prints the median and 95th percentile of the response time seen by the
client and, with --server-log, of the server time Odoo logs for each request (SQL time +
the rest, the werkzeug line's last two figures)."""

import argparse
import re
import statistics
import time

import requests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--login", required=True)
    parser.add_argument("--child", required=True)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument(
        "--server-log",
        help="the server's log file (--log-level=info), for the server time",
    )
    args = parser.parse_args()
    session = requests.Session()
    page = session.get(args.url + "/web/login", timeout=60).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(
        args.url + "/web/login",
        timeout=60,
        data={
            "login": args.login,
            "password": args.login,
            "csrf_token": csrf,
            "redirect": "/my",
        },
    )
    if "/web/login" in response.url:
        raise SystemExit("login failed")
    pages = {
        "planning (month, 1 child)": "/my/planning?child=%s&month=2027-01" % args.child,
        "planning (week)": "/my/planning?child=%s&view=week&start=2027-01-11"
        % args.child,
        "recap (20 lines)": "/my/recap",
    }
    for label, url in pages.items():
        for _warm in range(5):
            assert session.get(args.url + url, timeout=60).status_code == 200, url
        timings = []
        for _i in range(args.count):
            started = time.perf_counter()
            response = session.get(args.url + url, timeout=60)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
        print(
            f"{label}: {summary(timings)} over {len(timings)} requests, "
            f"seen by the client",
            flush=True,
        )
        if args.server_log:
            server = server_times(args.server_log, url)[-args.count :]
            print(
                f"{label}: {summary(server)} over {len(server)} requests, "
                f"server time (target: p95 under "
                f"150 ms)",
                flush=True,
            )


def summary(timings):
    timings = sorted(timings)
    return (
        f"median {statistics.median(timings):.0f} ms, "
        f"p95 {timings[int(len(timings) * 0.95) - 1]:.0f} ms"
    )


def server_times(log_file, url):
    """Server time (ms) of each logged GET of ``url``: Odoo's werkzeug line ends with
    the query count, the SQL time and the remaining time, in seconds."""
    pattern = re.compile(
        r'"GET %s HTTP/1\.1" 200 - \d+ ([\d.]+) ([\d.]+)' % re.escape(url)
    )
    with open(log_file, encoding="utf-8") as log:
        return [
            (float(m.group(1)) + float(m.group(2))) * 1000
            for m in map(pattern.search, log)
            if m
        ]


if __name__ == "__main__":
    main()
