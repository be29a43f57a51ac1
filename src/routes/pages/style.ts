/**
 * Stylesheet of the hosted pages (inlined with the CSP nonce: one request, nothing to cache).
 * `--accent` is set per client after a contrast check; dark mode swaps the neutral colours and
 * uses a light link colour, since a client's accent may be too dark to read on a dark card.
 */
export const PAGE_CSS = `*{box-sizing:border-box}
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--fg:#1a1a1a;--muted:#4d535c;--line:#8a919b;--link:var(--accent);--err:#b00020;--ok:#0a7a3b;--focus:#1a56db}
@media (prefers-color-scheme:dark){:root{--bg:#111317;--card:#1c1f24;--fg:#eceef1;--muted:#b9bec6;--line:#6b727c;--link:#a8c1ff;--err:#ff9494;--ok:#74d692;--focus:#8ab4f8}}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
main{max-width:30rem;margin:2rem auto 0;padding:1.5rem;background:var(--card);border-radius:12px}
footer{max-width:30rem;margin:0 auto;padding:1rem 1.5rem;color:var(--muted);font-size:.875rem}
@media (max-width:520px){main{margin:0;border-radius:0;padding:1.25rem 1rem}footer{padding:1rem}}
.brand{display:block;margin:0 0 1rem;font-weight:700;font-size:1.125rem}.brand img{display:block;height:32px;max-width:100%}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .75rem}h2{font-size:1.125rem;margin:1.5rem 0 .25rem}
a{color:var(--link)}p{margin:.5rem 0}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input{font:inherit;color:inherit}
.field input{width:100%;padding:.625rem .75rem;border:1px solid var(--line);border-radius:8px;background:var(--card)}
.field input[aria-invalid=true]{border:2px solid var(--err)}
label.check{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.75rem 0 0}
.button,button{display:inline-block;font:inherit;font-weight:600;padding:.7rem 1.1rem;margin:1.25rem 0 .25rem;border:0;border-radius:8px;background:var(--accent);color:#fff;text-decoration:none;cursor:pointer}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.error{color:var(--err);margin:.25rem 0 0}
.summary{border:2px solid var(--err);border-radius:8px;padding:.5rem 1rem;margin:0 0 1rem}.summary h2{margin:0;font-size:1rem}.summary ul{margin:.25rem 0;padding-left:1.25rem}
.muted{color:var(--muted)}
.rules{margin:.25rem 0;padding-left:1.5rem}.rules .ok{color:var(--ok)}.rules .ok::marker{content:"✓ "}.rules .bad{color:var(--err)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
[hidden]{display:none!important}`;
