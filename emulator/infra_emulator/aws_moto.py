"""moto's WSGI app, with one correction to how it checks signatures under werkzeug 3.

moto checks a SigV4 signature by recomputing it over `request.url`. werkzeug 3 builds that URL as an
IRI: it decodes percent-escapes such as %2F and %C3%A9 in the query string (and in the path), so the
recomputed canonical request differs from the one the client signed whenever a value needs escaping.
S3 `ListObjectsV2(Prefix="a/")` or `Delimiter="/"` then fail with SignatureDoesNotMatch, as would keys
like "a+b.csv". The fix: compute the signature over the request target exactly as the client sent it
(werkzeug's RAW_URI), and change nothing else moto parses.

Import only after MOTO_ACCOUNT_ID and INITIAL_NO_AUTH_ACTION_COUNT are set (see aws.py).
"""

from urllib.parse import urlsplit


def moto_wsgi_app():
    """moto's server app (every service it emulates), dispatched by Host, signature check corrected."""
    from moto.server import DomainDispatcherApplication

    _sign_over_the_raw_request_target()
    app = DomainDispatcherApplication(_backend_app_without_debug_mode)
    _remember_backends_by_host(app)
    return app


def _backend_app_without_debug_mode(service):
    """moto's Flask app for one service, out of Flask's debug mode. moto turns debug mode on, and in it Flask
    builds a new class for every request (a helper that explains form-upload mistakes to a developer).
    Exceptions still reach the server, which logs them and answers 500, as they did in debug mode."""
    from moto.server import create_backend_app

    backend_app = create_backend_app(service)
    backend_app.debug = False
    backend_app.config["PROPAGATE_EXCEPTIONS"] = True
    return backend_app


def _remember_backends_by_host(app) -> None:
    """moto finds each request's backend by listing its own package folder (os.listdir and an isdir per service
    module, under the dispatcher's lock) and matching URL patterns; the answer depends on the host alone, so it
    is worked out once per host. Under a no-op plan of 100 buckets this was a large share of the local AWS's CPU."""
    find = app.get_backend_for_host
    known: dict = {}

    def get_backend_for_host(host):
        if host not in known:
            known[host] = find(host)
        return known[host]

    app.get_backend_for_host = get_backend_for_host


def _sign_over_the_raw_request_target() -> None:
    from moto.iam.access_control import IAMRequestBase

    if getattr(IAMRequestBase.__init__, "_uses_raw_target", False):
        return
    original_init = IAMRequestBase.__init__

    def __init__(self, account_id, method, path, data, body, headers, action):
        original_init(self, account_id, method, _raw_request_target() or path, data, body, headers, action)

    __init__._uses_raw_target = True
    IAMRequestBase.__init__ = __init__


def _raw_request_target() -> str | None:
    """The current request's path and query as sent on the request line, or None outside a request."""
    from flask import has_request_context, request

    if not has_request_context():
        return None
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        return None
    if "://" in raw:  # absolute-form request target (a proxy-style request line)
        parts = urlsplit(raw)
        return parts.path + ("?" + parts.query if parts.query else "")
    return raw
