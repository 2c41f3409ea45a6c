#!/usr/bin/python3
"""Fetch orders with a thread pool and write them to CSV, in id order.

The kind of script fetchctl replaces, written the way it would be written
in practice: a shared httpx.Client (keep-alive), a ThreadPoolExecutor,
a rate-limit decorator that spaces requests evenly, and a retry loop:

  429                             wait Retry-After (1 s if unusable), retry
  5xx, timeouts, connection errors  wait 1 s, retry
  other 4xx                       give up on the item
  at most 5 retries per item

    threadpool_fetch.py --url 'http://127.0.0.1:8000/item/{id}' \
        --from 1 --to 1000 --output orders.csv

Exit status: 0 if every id was written, 1 if some failed (listed on
stderr), 2 on bad usage.
"""
import argparse
import csv
import functools
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx

COLUMNS = ["order_id", "account_id", "company", "status", "currency",
           "subtotal", "tax", "total", "created_at"]
MAX_RETRIES = 5
RETRY_DELAY = 1.0
MAX_RETRY_AFTER = 60.0


def rate_limited(per_second):
    """Decorator: calls start at most `per_second` times a second, evenly
    spaced, across all threads. Each call reserves the next free slot under
    a lock, then sleeps until it outside the lock."""
    interval = 1.0 / per_second
    lock = threading.Lock()
    next_slot = time.monotonic()

    def decorate(func):
        @functools.wraps(func)
        def paced(*args, **kwargs):
            nonlocal next_slot
            with lock:
                now = time.monotonic()
                slot = max(next_slot, now)
                next_slot = slot + interval
            if slot > now:
                time.sleep(slot - now)
            return func(*args, **kwargs)
        return paced
    return decorate


def retry_after_seconds(response):
    try:
        value = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return RETRY_DELAY
    return min(max(value, 0.0), MAX_RETRY_AFTER)


class GiveUp(Exception):
    pass


def fetch_order(get, url, item_id):
    """Returns the order as a dict (money as Decimal, so "7.00" stays
    "7.00"); raises GiveUp when the item cannot be fetched."""
    for attempt in range(MAX_RETRIES + 1):
        try:
            response = get(url)
        except httpx.TransportError as error:  # timeouts, connect, protocol
            wait, why = RETRY_DELAY, f"{type(error).__name__}: {error}"
        else:
            status = response.status_code
            if status == 200:
                return response.json(parse_float=Decimal)
            if status == 429:
                wait, why = retry_after_seconds(response), "HTTP 429"
            elif status >= 500:
                wait, why = RETRY_DELAY, f"HTTP {status}"
            else:
                raise GiveUp(f"HTTP {status}")
        if attempt == MAX_RETRIES:
            raise GiveUp(f"{why} after {attempt + 1} attempts")
        print(f"warning: item {item_id}: {why} (attempt {attempt + 1}); "
              f"retrying in {wait:.2f} s", file=sys.stderr)
        time.sleep(wait)
    raise AssertionError("unreachable")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="template with {id}")
    parser.add_argument("--from", dest="first", type=int, default=1)
    parser.add_argument("--to", dest="last", type=int, default=1000)
    parser.add_argument("--output", required=True)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--rate", type=float, default=18.0,
                        help="requests per second, retries included")
    args = parser.parse_args()
    if args.rate <= 0 or args.threads <= 0 or args.last < args.first:
        parser.error("need --rate > 0, --threads > 0 and --to >= --from")

    client = httpx.Client(
        timeout=httpx.Timeout(30.0, connect=5.0),
        limits=httpx.Limits(max_connections=args.threads,
                            max_keepalive_connections=args.threads),
        headers={"Accept": "application/json"},
    )
    get = rate_limited(args.rate)(client.get)

    def work(item_id):
        try:
            return item_id, fetch_order(get, args.url.format(id=item_id), item_id), None
        except GiveUp as error:
            return item_id, None, str(error)

    failed = 0
    with client, ThreadPoolExecutor(max_workers=args.threads) as pool, \
            open(args.output, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        # map() yields in submission order, so rows come out in id order
        # while later ids are still being fetched.
        for item_id, order, error in pool.map(work, range(args.first, args.last + 1)):
            if error is not None:
                failed += 1
                print(f"error: item {item_id}: {error}; giving up", file=sys.stderr)
                continue
            writer.writerow([order.get(column) for column in COLUMNS])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
