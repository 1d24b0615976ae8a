"""The sandbox's HTTP layer: a request in, a reply out, and the threading server that
puts an application (server.Sandbox) on a socket. Nothing here knows NIC's protocol.
"""
import json
import logging
import socket
import sys
import threading
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_logger = logging.getLogger(__name__)

MAX_BODY = 32 * 1024 * 1024


class Request:

    def __init__(self, method, path, query, headers, body=b"", client_ip="127.0.0.1"):
        self.method = method.upper()
        self.path = path
        self.query = {key.lower(): values[-1] for key, values in query.items()}
        self.headers = headers  # case-insensitive mapping (http.client.HTTPMessage or similar)
        self.body = body
        self.client_ip = client_ip

    def header(self, *names):
        """First non-empty header among `names`, accepting hyphens for underscores (EWB-system style)."""
        for name in names:
            for spelling in (name, name.replace("_", "-")):
                value = self.headers.get(spelling)
                if value is not None and value.strip():
                    return value.strip()
        return None


class Reply:

    def __init__(self, status=200, body=b"", content_type="application/json; charset=utf-8", headers=None,
                 action=None, hold=0.0):
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.headers = [("Content-Type", content_type)] + list(headers or [])
        self.action = action  # None: send; "drop": close without reply; "hang": hold, then close
        self.hold = hold



class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections as they do with NIC
    server_version = "IRP-Sandbox"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this
    disable_nagle_algorithm = True  # headers and body go out in two writes: without this, 40 ms per reply

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = Request(self.command, url.path, parse_qs(url.query), self.headers, body, self.client_address[0])
        reply = self.server.app.handle(request)
        if reply.action:
            if reply.action == "hang":
                self.server.app.stopping.wait(reply.hold)
            self.close_connection = True
            with suppress(OSError):  # close at once, with no reply: the client sees the connection drop
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_DELETE = do_PUT = _serve

    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        if self.server.verbose:
            return super().log_message(format, *args)
        return None  # quiet unless verbose


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # bulk senders open 4-16 connections at once
    allow_reuse_address = True

    def __init__(self, address, app, verbose=False):
        self.app = app
        self.verbose = verbose
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        return super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        return super().shutdown_request(request)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away (timed out, reset): nothing to report
        _logger.exception("request from %s failed", client_address[0])

    def stop(self):
        """Stop serving, release held replies and close every open connection."""
        self.app.stopping.set()
        self.shutdown()
        self.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):  # already closed by its client
                connection.shutdown(socket.SHUT_RDWR)
        self.app.close()


__all__ = ["MAX_BODY", "Reply", "Request", "SandboxHTTPServer"]
