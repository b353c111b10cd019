"""A CloudEvents HTTP sink for tests, decoding with the official Python SDK.

Every POST is parsed in binary content mode by cloudevents.core.bindings.http
(the SDK, not our own parser); each event becomes one JSON line on stdout:
{"attributes": {...}, "data": ..., "headers": {...}}. A request that is not a
valid binary-mode CloudEvent is answered 400 and reported as {"error": ...}.

Faults for the tests: POST /_control?status=500&delay_ms=2000 makes later
event requests wait and/or answer that status; status=202 restores normal.
Listens on 127.0.0.1 only. Usage: ce_receiver.py PORT
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cloudevents.core.bindings.http import HTTPMessage, from_binary_event

lock = threading.Lock()
fault = {"status": 202, "delay_ms": 0}


def emit(record):
    with lock:
        sys.stdout.write(json.dumps(record, default=str) + "\n")
        sys.stdout.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        url = urlparse(self.path)
        if url.path == "/_control":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            with lock:
                fault["status"] = int(query.get("status", fault["status"]))
                fault["delay_ms"] = int(query.get("delay_ms", fault["delay_ms"]))
            self.reply(204)
            return
        with lock:
            status, delay_ms = fault["status"], fault["delay_ms"]
        if delay_ms:
            time.sleep(delay_ms / 1000)
        if status >= 300:
            self.reply(status)
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        if not any(k.startswith("ce-") for k in headers):
            emit({"error": "not a binary-mode CloudEvent (no ce- headers)"})
            self.reply(400)
            return
        try:
            event = from_binary_event(HTTPMessage(headers=headers, body=body))
        except Exception as error:  # the SDK's verdict is what the test reports
            emit({"error": f"{type(error).__name__}: {error}"})
            self.reply(400)
            return
        attributes = event.get_attributes()
        emit({"attributes": attributes, "data": event.get_data(), "headers": headers})
        self.reply(status)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    emit({"listening": server.server_address[1]})
    server.serve_forever()


if __name__ == "__main__":
    main()
