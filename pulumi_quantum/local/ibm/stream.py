"""``/stream/jobs/{id}``: a job's interim results over a WebSocket, as qiskit-ibmq-provider
0.20's ``RuntimeWebsocketClient`` reads them.

The client's protocol (``api/clients/runtime_ws.py`` and ``base.py`` of that package): it
connects with ``X-Access-Token`` in the upgrade request, treats the *first* message as the
authentication acknowledgement (its content is ignored), hands every later text message to
the job's result decoder and then to the user's callback, and stops when the server closes
the connection normally (1000). Messages are the program's ``user_messenger.publish``
payloads, one message each, exactly as encoded by the runtime's ``RuntimeEncoder``.

The handshake and framing are simple-websocket's (wsproto underneath), on the socket that
werkzeug's server exposes as ``werkzeug.socket``. New messages are found by polling the job
(every ``POLL_SECONDS``), so streaming needs no signalling between the job executor and the
connection threads; a client that connects late gets every message from the first.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from .errors import ApiError

POLL_SECONDS = 0.1
CLOSE_WAIT_SECONDS = 5.0
"""How long to wait for the client's answer to our close frame before dropping the socket."""
AUTHENTICATED = json.dumps({"type": "authenticated"})
"""First message: the acknowledgement the client waits for (IBM Quantum's websocket word)."""


class _Detached(Response):
    """The response of a request whose socket the WebSocket took over.

    werkzeug's server must neither write a status line nor keep the connection alive: raising
    ``ConnectionError`` from the WSGI call makes it treat the connection as dropped and close
    it, which is how simple-websocket's own integrations end a werkzeug request.
    """

    def __call__(self, environ: Any, start_response: Any) -> Any:
        raise ConnectionError("WebSocket closed")


def stream_job(
    request: Request,
    progress: Callable[[], tuple[list[str], bool]],
    stopping: threading.Event,
) -> Response:
    """Serve the stream; ``progress()`` answers (messages so far, job is final).

    ``progress`` is called once before the upgrade so a missing or foreign job is answered
    with the usual JSON error (404/403) instead of an accepted socket. ``stopping`` is set
    when the server shuts down: open streams then close with 1001 (going away).
    """
    progress()
    if "werkzeug.socket" not in request.environ:
        raise ApiError(501, "WebSocket streaming needs werkzeug's server (werkzeug.socket)")
    from simple_websocket import ConnectionClosed, Server  # server-side only, import late

    ws = Server(request.environ)
    try:
        ws.send(AUTHENTICATED)
        sent = 0
        while ws.connected:
            if stopping.is_set():
                ws.close(1001, "the local IBM runtime is stopping")
                break
            messages, final = progress()
            for message in messages[sent:]:
                ws.send(message)
            sent = max(sent, len(messages))
            if final:
                ws.close()
                # Let the client answer the close frame before the socket goes away, so it
                # sees a clean 1000 closure (an error would make it reconnect and replay).
                ws.thread.join(CLOSE_WAIT_SECONDS)
                break
            ws.receive(timeout=POLL_SECONDS)  # the client sends nothing; this paces the loop
    except (ConnectionClosed, OSError):
        pass  # the client went away (it disconnects when the user cancels streaming)
    except ApiError:
        if ws.connected:  # e.g. the job was deleted while streaming
            ws.close(1011, "job no longer available")
    return _Detached()
