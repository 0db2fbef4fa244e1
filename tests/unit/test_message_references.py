"""Large elements reach the browser whole, never as references to a copy it is thought to hold.

Streamlit 1.67 turns an element of 10 kB or more that the browser already holds into a bare reference, and the
reference loses the fragment the element belongs to. A fragment run that starts just as a full run ends drops the
full run's unsent deltas of that fragment, but not the reference, which then points into a container the browser
never received ("Cannot set a node at a delta path", and the page stops drawing). It broke the Generate page after
Vary, Upscale and Vary region from the image view in about one run in five under load; .streamlit/config.toml
turns references off."""

from __future__ import annotations

from streamlit import config
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.forward_msg_cache import populate_hash_if_needed


def test_a_large_element_is_never_cacheable_so_never_sent_as_a_reference() -> None:
    config.get_config_options(force_reparse=True)  # the project's .streamlit/config.toml
    element = ForwardMsg()
    element.delta.new_element.markdown.body = "a long prompt " * 100_000  # 1.4 MB, beyond any element of ours
    element.delta.fragment_id = "feed"
    element.metadata.delta_path[:] = [0, 4, 4, 1]
    populate_hash_if_needed(element)
    assert element.hash  # hashed as always: only the cache is off
    assert not element.metadata.cacheable
