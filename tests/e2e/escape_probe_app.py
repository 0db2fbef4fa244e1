"""A Streamlit script that shows hostile user strings in every markdown-rendering element: escaped, or as given (?mode=raw).

`streamlit run` executes it as __main__; the e2e test imports its corpus and element kinds without rendering anything.
"""

from __future__ import annotations

from collections.abc import Callable

# Every URL in the corpus points here (port 9 refuses connections), so any request for one of them can be recognised.
CANARY_ORIGIN = "http://127.0.0.1:9"
ONE_PIXEL_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII="
)
# Markdown a page might put around user text; it makes Streamlit load its emoji and KaTeX plugins for the whole string.
PLUGIN_LOADING_SUFFIX = "\n\n:wave: $x^2$ :material/home: :streamlit:"

HOSTILE_STRINGS: tuple[str, ...] = (
    f"![a]({CANARY_ORIGIN}/p.png)@x.com",
    f"![]({CANARY_ORIGIN}/empty-alt.png) and ![alt][pic] [pic]: {CANARY_ORIGIN}/ref.png",
    f"[x]({CANARY_ORIGIN}/link) [ref][1] [1]: {CANARY_ORIGIN}/ref [x](javascript:alert(1))",
    f"<{CANARY_ORIGIN}/autolink> <mailto:a@b.co> <a@b.co>",
    f"see {CANARY_ORIGIN}/bare, https://127.0.0.1:9/s, www.evil.example and mallory@evil.example",
    "o'brien+tag@example.co.uk",
    ':red[red] :blue-background[bg] :rainbow[rainbow] :red-badge[badge] :color[c]{foreground="red"} :small[s]',
    "x:red[mid-word] :help[tip] :shimmer[shine] ::leaf[x] :red[unterminated",
    ":material/home: :material_home: :streamlit: :smile: :+1: :-1:",
    ":material/warning: a leading material icon",
    "😀 a leading emoji",
    "1️⃣ a leading keycap",
    r"$x^2$ and $$\int_0^1 x\,dx$$ and \(a\) \[b\] $5 and $10",
    f"<img src={CANARY_ORIGIN}/onerror.png onerror=alert(1)> <b>bold</b> <script>alert(1)</script>",
    "<!-- comment --> <div>block</div> <br> &nbsp;",
    "*em* _em_ **strong** __strong__ ***both*** ~~del~~ ~sub~ `code` ``co`de``",
    "# heading",
    "###### h6 #",
    "- item",
    "+ item",
    "* item",
    "1. item",
    "2) item",
    "> quote",
    "- [ ] task",
    "---",
    "***",
    "    four-space code",
    "```python\nprint(1)\n```",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Title\n=====",
    "Title\n---",
    "first line\nsecond line\r\nthird\n\n  fourth\tand tab",
    "hard  \nbreak and back\\\nslash",
    "back\\slash \\*not em\\* \\\\ \\",
    "&amp; &lt;b&gt; &#64; &copy; & alone",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "[^1] footnote [^1]: note",
    "foo_bar_baz 2*3*4 snake_case_name.final-v2.png",
    "Ünïcödé — ‘quotes’ «» 日本語 ✓ ½",
    "  leading and trailing spaces  ",
    "%20 %s {0} {{x}} ${HOME}",
)


def _elements() -> dict[str, Callable[[str, int], object]]:
    """Each element kind that renders its text as markdown, drawn with `body` as its user text."""
    import streamlit as st

    def expander(body: str, index: int) -> None:
        with st.expander(body):
            st.write("Details.")

    return {
        "markdown": lambda body, index: st.markdown(body),
        "composed": lambda body, index: st.markdown(body + PLUGIN_LOADING_SUFFIX),
        "caption": lambda body, index: st.caption(body),
        "error": lambda body, index: st.error(body),
        "success": lambda body, index: st.success(body),
        "progress": lambda body, index: st.progress(0.5, text=body),
        "metric": lambda body, index: st.metric(body, 1),
        "button": lambda body, index: st.button(body, key=f"button-widget-{index}"),
        "checkbox": lambda body, index: st.checkbox(body, key=f"checkbox-widget-{index}"),
        "radio": lambda body, index: st.radio("Option", [body], key=f"radio-widget-{index}"),
        "subheader": lambda body, index: st.subheader(body, anchor=False),
        "expander": expander,
        "table": lambda body, index: st.table({"Value": [body]}),
        "image_caption": lambda body, index: st.image(ONE_PIXEL_PNG, caption=body, width=24),
    }


ELEMENT_KINDS = (
    "markdown",
    "composed",
    "caption",
    "error",
    "success",
    "progress",
    "metric",
    "button",
    "checkbox",
    "radio",
    "subheader",
    "expander",
    "table",
    "image_caption",
)


def main() -> None:
    import streamlit as st

    from pages.components.safe_text import escape_markdown

    raw = st.query_params.get("mode") == "raw"
    elements = _elements()
    for index, text in enumerate(HOSTILE_STRINGS):
        body = text if raw else escape_markdown(text)
        for kind in ELEMENT_KINDS:
            with st.container(key=f"{kind}-{index}"):
                elements[kind](body, index)
        st.toast(body, duration="infinite")
    st.container(key="rendered").write("Rendered.")


if __name__ == "__main__":
    main()
