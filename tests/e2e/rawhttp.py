#!/usr/bin/env python3
"""Sends raw bytes to an HTTP server on a unix socket and prints what came back,
for the malformed-request cases of the end-to-end suites (no socat needed).

  rawhttp.py SOCK [--timeout S] [--shut] < request-bytes

--shut half-closes the socket after sending (the server sees EOF). Prints
"STATUS <code>" (or "STATUS none" when the server closed without answering, or
"STATUS timeout"), then "CONTENT-TYPE <value>", then the body. Exit status 0
whenever the exchange itself worked.
"""
import socket
import sys
import time


def main(argv):
    sock_path = argv[1]
    timeout = 10.0
    shut = False
    i = 2
    while i < len(argv):
        if argv[i] == "--timeout":
            timeout = float(argv[i + 1])
            i += 2
        elif argv[i] == "--shut":
            shut = True
            i += 1
        else:
            raise SystemExit(f"rawhttp: unknown argument {argv[i]}")
    data = sys.stdin.buffer.read()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    if shut:
        s.shutdown(socket.SHUT_WR)
    got = b""
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            timed_out = True
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += chunk
        head, sep, body = got.partition(b"\r\n\r\n")
        if sep:
            # Stop once a complete Content-Length response is in.
            length = None
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v.strip())
            if length is not None and len(body) >= length:
                break
        if time.monotonic() > deadline:
            timed_out = True
            break
    s.close()
    if not got:
        print("STATUS timeout" if timed_out else "STATUS none")
        return 0
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    print("STATUS " + (parts[1].decode() if len(parts) > 1 else "?"))
    ctype = ""
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-type":
            ctype = v.strip().decode()
    print("CONTENT-TYPE " + ctype)
    sys.stdout.write(body.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
