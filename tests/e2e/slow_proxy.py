#!/usr/bin/env python3
"""A TCP proxy on a free 127.0.0.1 port that forwards to 127.0.0.1:PORT and
trickles what the server sends at RATE bytes per second, so that an
end-to-end case can interrupt a transfer in the middle. Prints its port on
stdout.

  slow_proxy.py PORT RATE
"""
import socket
import sys
import threading
import time

TARGET = ("127.0.0.1", int(sys.argv[1]))
RATE = int(sys.argv[2])
CHUNK = max(1, RATE // 20)


def pipe(src, dst, slow):
    try:
        while True:
            data = src.recv(CHUNK if slow else 65536)
            if not data:
                break
            dst.sendall(data)
            if slow:
                time.sleep(len(data) / RATE)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client):
    upstream = socket.create_connection(TARGET)
    threading.Thread(target=pipe, args=(client, upstream, False), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client, True), daemon=True).start()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)
while True:
    conn, _ = listener.accept()
    serve(conn)
