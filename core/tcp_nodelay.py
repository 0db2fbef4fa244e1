"""TCP_NODELAY on the server's listening sockets, so no response waits ~40 ms for the browser's delayed ACK.

Streamlit binds its listening socket as `socket.socket(family=...)`, whose protocol number is 0; asyncio sets
TCP_NODELAY only on connections whose socket says IPPROTO_TCP, so every connection it accepts kept Nagle's
algorithm. Uvicorn writes a response's head and its body separately, and the body then waited for the client's
delayed ACK of the head: ~44 ms on every picture, page and route over a kept-alive connection (measured in
bench/share_ttfb.py). Linux copies a listening socket's TCP_NODELAY to each connection it accepts, so setting it on
the listeners once, at start, mends them all.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from pathlib import Path

log = logging.getLogger(__name__)
FDS = Path("/proc/self/fd")
TCP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


def nodelay_listeners(fds: Path = FDS) -> int:
    """Set TCP_NODELAY on every listening TCP socket this process holds; how many. Nothing where /proc is not."""
    done = 0
    with contextlib.suppress(OSError):
        for entry in os.listdir(fds):
            if entry.isdigit() and _nodelay_if_listening(int(entry)):
                done += 1
    log.debug("TCP_NODELAY set on %d listening socket(s)", done)
    return done


def _nodelay_if_listening(fd: int) -> bool:
    try:
        sock = socket.socket(fileno=os.dup(fd))  # a second handle: closing it leaves the server's socket open
    except OSError:
        return False  # not a socket (a file, a pipe) or closed meanwhile
    with sock:
        try:
            listening = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
            if not (listening and sock.family in TCP_FAMILIES and sock.type == socket.SOCK_STREAM):
                return False
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            return False
    return True
