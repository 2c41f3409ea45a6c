#!/usr/bin/python3
"""Fetch orders with asyncio and httpx.AsyncClient and write them to CSV,
in id order.

The asyncio flavour of the script fetchctl replaces: one AsyncClient
(keep-alive), at most 50 requests in flight (a semaphore), a rate-limit
decorator that spaces requests evenly, and the same retry rules as
threadpool_fetch.py:

  429                             wait Retry-After (1 s if unusable), retry
  5xx, timeouts, connection errors  wait 1 s, retry
  other 4xx                       give up on the item
  at most 5 retries per item

    asyncio_fetch.py --url 'http://127.0.0.1:8000/item/{id}' \
        --from 1 --to 1000 --output orders.csv

Exit status: 0 if every id was written, 1 if some failed (listed on
stderr), 2 on bad usage.
"""
import argparse
import asyncio
import csv
import functools
import sys
from decimal import Decimal

import httpx

COLUMNS = ["order_id", "account_id", "company", "status", "currency",
           "subtotal", "tax", "total", "created_at"]
MAX_RETRIES = 5
RETRY_DELAY = 1.0
MAX_RETRY_AFTER = 60.0


def rate_limited(per_second):
    """Decorator for a coroutine function: calls start at most `per_second`
    times a second, evenly spaced. The event loop is single-threaded, so
    reserving a slot needs no lock."""
    interval = 1.0 / per_second
    next_slot = None

    def decorate(func):
        @functools.wraps(func)
        async def paced(*args, **kwargs):
            nonlocal next_slot
            now = asyncio.get_running_loop().time()
            slot = now if next_slot is None else max(next_slot, now)
            next_slot = slot + interval
            if slot > now:
                await asyncio.sleep(slot - now)
            return await func(*args, **kwargs)
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


async def fetch_order(get, url, item_id):
    """Returns the order as a dict (money as Decimal, so "7.00" stays
    "7.00"); raises GiveUp when the item cannot be fetched."""
    for attempt in range(MAX_RETRIES + 1):
        try:
            response = await get(url)
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
        await asyncio.sleep(wait)
    raise AssertionError("unreachable")


async def run(args):
    in_flight = asyncio.Semaphore(args.concurrency)
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(30.0, connect=5.0),
        limits=httpx.Limits(max_connections=args.concurrency,
                            max_keepalive_connections=args.concurrency),
        headers={"Accept": "application/json"},
    ) as client:

        @rate_limited(args.rate)
        async def get(url):
            async with in_flight:
                return await client.get(url)

        async def work(item_id):
            try:
                return await fetch_order(get, args.url.format(id=item_id), item_id), None
            except GiveUp as error:
                return None, str(error)

        ids = range(args.first, args.last + 1)
        results = await asyncio.gather(*(work(item_id) for item_id in ids))

    failed = 0
    with open(args.output, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for item_id, (order, error) in zip(ids, results):
            if error is not None:
                failed += 1
                print(f"error: item {item_id}: {error}; giving up", file=sys.stderr)
                continue
            writer.writerow([order.get(column) for column in COLUMNS])
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="template with {id}")
    parser.add_argument("--from", dest="first", type=int, default=1)
    parser.add_argument("--to", dest="last", type=int, default=1000)
    parser.add_argument("--output", required=True)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rate", type=float, default=18.0,
                        help="requests per second, retries included")
    args = parser.parse_args()
    if args.rate <= 0 or args.concurrency <= 0 or args.last < args.first:
        parser.error("need --rate > 0, --concurrency > 0 and --to >= --from")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
