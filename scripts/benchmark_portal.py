"""Server time of the planning page and the recap with the benchmark town loaded.

    run through: ./scripts/benchmark.sh --families 5000 --portal

Logs in as the benchmark family's parent, warms up, then requests each page N times over loopback and
prints the median and 95th percentile of the response time (an upper bound of the server time: the
client and the server share this machine, nothing else is between them)."""
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
    args = parser.parse_args()
    session = requests.Session()
    page = session.get(args.url + "/web/login", timeout=60).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(args.url + "/web/login", timeout=60, data={
        "login": args.login, "password": args.login, "csrf_token": csrf, "redirect": "/my"})
    if "/web/login" in response.url:
        raise SystemExit("login failed")
    pages = {
        "planning (month, 1 child)": "/my/planning?child=%s&month=2027-01" % args.child,
        "planning (week)": "/my/planning?child=%s&view=week&start=2027-01-11" % args.child,
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
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{label}: median {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms over {len(timings)} "
              f"requests (target: p95 under 150 ms)", flush=True)


if __name__ == "__main__":
    main()
