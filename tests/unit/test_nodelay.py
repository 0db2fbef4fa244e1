"""The server's listening sockets get TCP_NODELAY, and the connections they accept inherit it (no response waits for
a delayed ACK); other descriptors are left alone."""

from __future__ import annotations

import socket
import sys

import pytest

from core.tcp_nodelay import nodelay_listeners

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/fd")


def _nodelay(sock: socket.socket) -> bool:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_a_listener_bound_as_streamlit_binds_it_gets_nodelay_and_so_do_its_connections() -> None:
    listener = socket.socket(family=socket.AF_INET)  # protocol 0, as Streamlit makes it: asyncio skips it
    client = socket.socket(family=socket.AF_INET)  # not listening: left as it is
    with listener, client:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        assert not _nodelay(listener)
        assert nodelay_listeners() >= 1
        assert _nodelay(listener)
        client.connect(listener.getsockname())
        accepted, _ = listener.accept()
        with accepted:
            assert _nodelay(accepted)  # what the server writes on goes out at once
        assert not _nodelay(client)


def test_without_proc_nothing_happens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert nodelay_listeners(tmp_path / "missing") == 0
