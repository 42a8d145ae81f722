"""``pulumi-resource-quantum``: the entry point the Pulumi engine starts.

The engine runs the plugin as ``pulumi-resource-quantum <engine address> [flags]`` (found in
Pulumi's plugin cache, where ``scripts/bootstrap`` installs a shim running this module with
``PULUMI_PYTHON_CMD``; or on PATH, the console script, with a warning at every load), reads
the port of its gRPC server from the first line of its stdout and talks to it on loopback.
Start-up imports only Pulumi's gRPC server and the declarations; each resource's core (boto3,
the IBM clients) is imported by its first call.

Errors of the core (``ProviderError`` messages name the field and the fix) are returned as the
gRPC status text as they are, rather than as "Unexpected <class ...>" with a Python traceback.
"""

from __future__ import annotations

import sys
from typing import Any


def _servicer_class() -> type:
    import grpc
    from pulumi.provider.experimental.server import ProviderServicer

    from .._provider import ProviderError

    def friendly(method: Any) -> Any:
        async def call(self: Any, request: Any, context: Any) -> Any:
            try:
                return await method(self, request, context)
            except ProviderError as exc:
                await context.abort(grpc.StatusCode.UNKNOWN, str(exc))
            except (KeyError, ValueError, TypeError) as exc:
                await context.abort(grpc.StatusCode.UNKNOWN, f"{type(exc).__name__}: {exc}")

        call.__name__ = method.__name__
        return call

    names = ("Check", "Diff", "Create", "Read", "Update", "Delete", "Configure", "CheckConfig")
    return type(
        "QuantumServicer",
        (ProviderServicer,),
        {name: friendly(getattr(ProviderServicer, name)) for name in names},
    )


def serve(args: list[str]) -> None:
    """Start the gRPC server on a free loopback port, print the port, serve until killed."""
    import argparse
    import asyncio
    import contextlib
    from pathlib import Path

    import grpc.aio
    from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
    from pulumi.runtime.proto import provider_pb2_grpc

    from .. import __version__
    from ..hints import language_of_project, set_language
    from .provider import QuantumPlugin

    parser = argparse.ArgumentParser(prog="pulumi-resource-quantum")
    parser.add_argument("engine", help="the Pulumi engine's address")
    known, _ = parser.parse_known_args(args)
    # The engine starts the plugin in the project's directory: hints follow its language.
    set_language(language_of_project(Path.cwd()))
    # pulumi.log from a resource's core reaches the engine (e.g. the warning that a Function
    # is retained on delete), as it does from the dynamic provider host.
    from pulumi.runtime.settings import reset_options

    reset_options(engine_address=known.engine)

    async def run() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = _servicer_class()(args, __version__, QuantumPlugin(), known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


def main() -> None:
    serve(sys.argv[1:])


if __name__ == "__main__":
    main()
