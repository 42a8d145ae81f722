"""``pulumi-quantum local reservation create|list``: Braket Direct reservations, locally.

On AWS a reservation is bought in the Braket console and its ARN handed to tasks through
``associations`` (or the SDK's ``DirectReservation``). The local cloud has no console, so this
command asks the running daemon's ``/_local/reservations`` endpoint for a window on one QPU and
prints the reservation ARN to use.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any

from . import daemon


def add_reservation_commands(commands: Any, common: Any) -> None:
    """Add ``reservation {create,list}`` under ``local``."""
    reservation = commands.add_parser("reservation", help="Braket Direct reservation windows")
    sub = reservation.add_subparsers(dest="reservation_command", required=True)
    create = sub.add_parser("create", help="reserve a QPU for a time window; prints its ARN")
    common(create)
    create.add_argument("--device", required=True, help="QPU device ARN")
    create.add_argument("--start", help="ISO 8601 start, e.g. 2030-01-01T10:00:00Z (default now)")
    create.add_argument("--end", help="ISO 8601 end (default: one hour after the start)")
    create.set_defaults(func=create_reservation)
    listing = sub.add_parser("list", help="list reservation windows")
    common(listing)
    listing.set_defaults(func=list_reservations)


def _braket_url(args: argparse.Namespace) -> str | None:
    doc = daemon.read_endpoints(daemon.data_dir_of(args))
    if doc is None or "braket" not in doc["endpoints"]:
        print(
            "the local cloud is not running; start it with `pulumi-quantum local start`",
            file=sys.stderr,
        )
        return None
    return f"{doc['endpoints']['braket']}/_local/reservations"


def _call(url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method="POST" if data else "GET",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def create_reservation(args: argparse.Namespace) -> int:
    url = _braket_url(args)
    if url is None:
        return 1
    body = {"deviceArn": args.device, "startAt": args.start, "endAt": args.end}
    status, doc = _call(url, {k: v for k, v in body.items() if v is not None})
    if status >= 400:
        print(f"reservation not created: {doc.get('message')}", file=sys.stderr)
        return 2
    print(doc["reservationArn"])
    return 0


def list_reservations(args: argparse.Namespace) -> int:
    url = _braket_url(args)
    if url is None:
        return 1
    _, doc = _call(url)
    print(json.dumps(doc["reservations"], indent=2))
    return 0
