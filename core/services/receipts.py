"""A receipt as a standalone HTML document: printable (to PDF too), with every value escaped."""

from __future__ import annotations

from html import escape

from core.domain.billing import Receipt

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; color: #1f2328; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
p.seller { color: #57606a; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 1.5rem; }
th, td { text-align: left; padding: 0.5rem 0.25rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th { width: 40%; font-weight: 600; }
td { overflow-wrap: anywhere; }
footer { margin-top: 2rem; color: #57606a; font-size: 0.875rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
"""


def receipt_html(receipt: Receipt) -> str:
    order = receipt.order
    rows = "\n".join(f"<tr><th scope='row'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in receipt.lines)
    note = (
        "Demo payments: no money moved for this order."
        if order.provider == "demo"
        else f"Payment processed by {escape(order.provider_label)}. We store no card details."
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Receipt {escape(order.public_id.upper())} · {escape(receipt.seller)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>Receipt</h1>
<p class="seller">{escape(receipt.seller)}</p>
<table>
<caption class="visually-hidden">Order details</caption>
{rows}
</table>
<footer>{note}</footer>
</main>
</body>
</html>
"""
