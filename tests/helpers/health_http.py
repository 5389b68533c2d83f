#!/usr/bin/env python3
"""health_http.py DIR PORTFILE CERT KEY PARENTPID - a loopback HTTPS server
(plain HTTP when CERT is "-")
for the tests, standing in for apps' health endpoints: GET /a/b answers
from the file DIR/a_b, whose first line is the status code and the rest the
body (read on every request, so a test flips the world by rewriting it); no
file is 404; a 3xx redirects to the URL its body holds.  Listens on 127.0.0.1 only, a port the kernel picks (written to
PORTFILE); exits when PARENTPID is gone."""
import http.server
import os
import ssl
import sys
import threading
import time

DIR, PORTFILE, CERT, KEY, PARENT = sys.argv[1:6]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.split("?")[0].strip("/").replace("/", "_")
        try:
            with open(os.path.join(DIR, name)) as f:
                status, _, body = f.read().partition("\n")
            code = int(status)
        except (OSError, ValueError):
            code, body = 404, "not found\n"
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        if 300 <= code < 400:  # a redirect: the body is where to
            self.send_header("Location", body.strip())
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if CERT != "-":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)


def watch():
    while True:
        try:
            os.kill(int(PARENT), 0)
        except OSError:
            os._exit(0)
        time.sleep(0.5)


threading.Thread(target=watch, daemon=True).start()
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
