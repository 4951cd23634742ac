"""The action server in one process: `python -m scripts.action_server --actions actions --port 5055`.

`python -m rasa_sdk` serves through Sanic's worker manager: a manager process, one worker and
helper processes (4 processes, 258-289 MB, healthy after 5-9 s on the 2-core machine) to run a
single worker. This serves rasa_sdk's own app (`create_app_for_serve`: the same /health,
/webhook and /actions routes, CORS, keep-alive and plugins) with the same options in one
process. `SANIC_WORKERS` is not read: one process is the point (run more behind a proxy).

Why in scripts/: rasa_sdk imports every module of the actions package at start, so an entry
point in actions/ would be loaded as an action module too, and actions/ stays thin adapters;
bot/ never imports rasa_sdk. scripts/ holds the service's other process entry points.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable, Sequence

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser, create_ssl_config
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

logger = logging.getLogger(__name__)

AppFactory = Callable[..., Sanic]  # create_app_for_serve's signature


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """rasa_sdk's own options; gRPC mode is rasa_sdk's other server and not served here."""
    parser = create_argument_parser()
    args = parser.parse_args(argv)
    if args.grpc:
        parser.error("--grpc: use `python -m rasa_sdk --grpc`; this serves HTTP only")
    return args


def build_app(args: argparse.Namespace, factory: AppFactory = create_app_for_serve) -> Sanic:
    """What `rasa_sdk.__main__.main_from_args` does before serving: logging, actions, the app."""
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    executor = ActionExecutor()
    executor.register_package(args.actions_module or args.actions)
    return factory(
        executor, cors_origins=args.cors, auto_reload=args.auto_reload, endpoints=args.endpoints
    )


def serve(app: Sanic, args: argparse.Namespace) -> None:
    host = os.environ.get("SANIC_HOST", "0.0.0.0")  # noqa: S104 - rasa_sdk's default
    ssl = create_ssl_config(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    scheme = "https" if ssl else "http"
    logger.info("Action endpoint is up and running on %s://%s:%s", scheme, host, args.port)
    app.run(host=host, port=args.port, ssl=ssl, single_process=True)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    serve(build_app(args), args)


if __name__ == "__main__":
    main()
