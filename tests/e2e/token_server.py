#!/usr/bin/env python3
"""A Bearer token endpoint for the end-to-end suites: answers every GET or
POST with {"token": ..., "access_token": ..., "expires_in": 300}, as a
registry's token server does, and appends the request's method, query and
body (form fields) to LOG, one line each. Listens on a free 127.0.0.1 port and
prints it on stdout.

  token_server.py LOG
"""
import http.server
import json
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self, body=""):
        with open(sys.argv[1], "a") as log:
            log.write("%s %s %s\n" % (self.command, self.path, body))
        token = json.dumps({"token": "e2e-token", "access_token": "e2e-token", "expires_in": 300})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(token)))
        self.end_headers()
        self.wfile.write(token.encode())

    def do_GET(self):
        self._answer()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self._answer(self.rfile.read(n).decode(errors="replace"))

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
