"""The public share page's HTML: one picture large, its prompt only when shared with it, a link to the app, and
OpenGraph and Twitter card tags so a chat app previews it. Self-contained (no script, no other file but the
picture), light or dark as the visitor's system is. Every piece of text is HTML-escaped."""

from __future__ import annotations

from html import escape

from core.domain.shares import DESCRIPTION_CHARS, PublicShare

TITLE = "A picture made with Atelier"
NO_PROMPT = "Shared from Atelier, an AI image studio."
STYLE = """
:root{color-scheme:light dark;--bg:#faf7f2;--fg:#1f1b16;--muted:#6b6259;--accent:#9c4322}
@media (prefers-color-scheme:dark){:root{--bg:#14110e;--fg:#f3ede6;--muted:#b5aa9e;--accent:#e08a68}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;
gap:1rem;padding:1rem;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
main{display:flex;flex-direction:column;align-items:center;gap:1rem;max-width:100%}
img{display:block;max-width:100%;max-height:85vh;width:auto;height:auto;border-radius:8px}
.prompt{max-width:70ch;margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
footer a{color:var(--accent)}
footer{color:var(--muted);font-size:.9rem}
h1{font-size:1.5rem;margin:0}
h1,.note{text-align:center}
""".strip()


def share_page(share: PublicShare, image_url: str, page_url: str, app_url: str) -> str:
    """The page for a live share. `image_url` and `page_url` are absolute (chat apps need them so); `app_url` is
    where "Atelier" links to."""
    description = _shorten(share.prompt) if share.prompt else NO_PROMPT
    alt = _shorten(share.prompt) if share.prompt else "A picture shared from Atelier"
    prompt = f'<p class="prompt">{escape(share.prompt)}</p>' if share.prompt else ""
    meta = [
        ("property", "og:type", "website"),
        ("property", "og:site_name", "Atelier"),
        ("property", "og:title", TITLE),
        ("property", "og:description", description),
        ("property", "og:url", page_url),
        ("property", "og:image", image_url),
        ("property", "og:image:type", "image/jpeg"),
        ("property", "og:image:width", str(share.width)),
        ("property", "og:image:height", str(share.height)),
        ("property", "og:image:alt", alt),
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", TITLE),
        ("name", "twitter:description", description),
        ("name", "twitter:image", image_url),
        ("name", "twitter:image:alt", alt),
        ("name", "robots", "noindex, nofollow"),
        ("name", "description", description),
    ]
    tags = "\n".join(f'<meta {kind}="{escape(key)}" content="{escape(value)}">' for kind, key, value in meta)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(TITLE)}</title>
{tags}
<style>{STYLE}</style>
</head>
<body>
<main>
<img src="{escape(share.image_path)}" width="{share.width}" height="{share.height}" alt="{escape(alt)}">
{prompt}
</main>
<footer>Made with <a href="{escape(app_url)}">Atelier</a></footer>
</body>
</html>
"""


def gone_page(app_url: str) -> str:
    """One plain answer for every link that is not a live share: unknown, revoked, deleted or erased alike."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>Link not found · Atelier</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>This link does not work</h1>
<p class="note">It may have been turned off by the person who shared it, or it was never a link to a picture.</p>
</main>
<footer><a href="{escape(app_url)}">Atelier</a></footer>
</body>
</html>
"""


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= DESCRIPTION_CHARS else flat[: DESCRIPTION_CHARS - 1].rstrip() + "…"
