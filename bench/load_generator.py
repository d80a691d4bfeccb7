"""A load generator in its own process: concurrent purchasers POSTing subscriptions over HTTP.

    python -m bench.load_generator < plan.json > results.json

The plan is ``{"host", "port", "warm_up_path", "purchasers": [[request, ...], ...]}``,
one list of requests per concurrent purchaser, each request
``{"path", "token", "body"}``. Every purchaser first sends one untimed GET of
``warm_up_path`` (so both server workers have loaded the application), then
all start together and send their requests one after the other, each with its
own ``Idempotency-Key``. The results are ``{"seconds", "outcomes": [[status,
code, latency_seconds], ...]}``. The standard library only: this process must
not load Django, so it measures the server and not itself.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor


def main() -> int:
    plan = json.load(sys.stdin)
    purchasers = plan["purchasers"]
    barrier = threading.Barrier(len(purchasers))
    spans: list[tuple[float, float]] = []

    def purchase(requests: list[dict]) -> list[list]:
        client = http.client.HTTPConnection(plan["host"], plan["port"], timeout=120)
        headers = {
            "Authorization": f"Token {requests[0]['token']}",
            "Accept-Language": "en",
        }
        client.request("GET", plan["warm_up_path"], headers=headers)
        client.getresponse().read()
        barrier.wait()
        started = time.perf_counter()
        outcomes = []
        for request in requests:
            body = json.dumps(request["body"])
            headers = {
                "Authorization": f"Token {request['token']}",
                "Content-Type": "application/json",
                "Accept-Language": "en",
                "Idempotency-Key": str(uuid.uuid4()),
            }
            sent = time.perf_counter()
            client.request("POST", request["path"], body=body, headers=headers)
            response = client.getresponse()
            answer = response.read()
            latency = time.perf_counter() - sent
            outcomes.append([response.status, refusal_code(response.status, answer), latency])
        spans.append((started, time.perf_counter()))
        client.close()
        return outcomes

    with ThreadPoolExecutor(max_workers=len(purchasers)) as pool:
        results = list(pool.map(purchase, purchasers))
    seconds = max(end for _, end in spans) - min(start for start, _ in spans)
    json.dump(
        {"seconds": seconds, "outcomes": [o for result in results for o in result]}, sys.stdout
    )
    return 0


def refusal_code(status: int, answer: bytes) -> str:
    """Return the error code of a refused request (CONTRACT.md errors), empty otherwise."""
    if status < 400:
        return ""
    try:
        return str(json.loads(answer).get("code", ""))
    except (ValueError, AttributeError):
        return ""


if __name__ == "__main__":
    sys.exit(main())
