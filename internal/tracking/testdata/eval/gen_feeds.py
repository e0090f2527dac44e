#!/usr/bin/env python3
"""Writes the evaluation feeds and labels.tsv from items.txt.

Each outlet gets one feed in its own format (RSS 2.0, Atom 1.0 or JSON Feed 1.1), so the
evaluation also exercises gofeed and story.FromFeed on all three. Run from testdata:
    python3 eval/gen_feeds.py eval
    python3 eval/gen_feeds.py holdout
"""
import html, json, os, re, sys
from datetime import datetime, timezone

OUTLETS = {
    "LW": ("Levant Wire", "levantwire.example", "rss"),
    "GC": ("Gulf Courier", "gulfcourier.example", "atom"),
    "JL": ("Jerusalem Ledger", "jerusalemledger.example", "json"),
    "CD": ("Cairo Dispatch", "cairodispatch.example", "rss"),
    "GN": ("Global News Desk", "globalnewsdesk.example", "atom"),
    "ET": ("Euro Tribune", "eurotribune.example", "json"),
    "NH": ("Nile Herald", "nileherald.example", "rss"),
    "MP": ("Mediterranean Post", "medpost.example", "atom"),
    "AD": ("Atlas Daily", "atlasdaily.example", "json"),
    "NS": ("Northern Star", "northernstar.example", "rss"),
}
os.chdir(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))

def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:60]

items = {k: [] for k in OUTLETS}
labels = []
for line in open("items.txt", encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    when, outlet, in_topic, title, summary = line.split("|")
    t = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)
    host = OUTLETS[outlet][1]
    link = "https://%s/%s/%s" % (host, t.strftime("%Y/%m/%d"), slug(title))
    items[outlet].append((t, title, summary, link))
    labels.append((link, in_topic, title))

def rss(name, host, its):
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<rss version="2.0">', "<channel>",
           "<title>%s</title>" % name, "<link>https://%s/</link>" % host, "<description>%s news</description>" % name]
    for t, title, summary, link in its:
        out += ["<item>", "<title>%s</title>" % html.escape(title), "<link>%s</link>" % link,
                "<guid>%s</guid>" % link, "<pubDate>%s</pubDate>" % t.strftime("%a, %d %b %Y %H:%M:%S GMT"),
                "<description>%s</description>" % html.escape(summary), "</item>"]
    return "\n".join(out + ["</channel>", "</rss>"]) + "\n"

def atom(name, host, its):
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
           "<title>%s</title>" % name, '<link href="https://%s/"/>' % host, "<id>https://%s/</id>" % host,
           "<updated>%s</updated>" % its[-1][0].strftime("%Y-%m-%dT%H:%M:%SZ")]
    for t, title, summary, link in its:
        out += ["<entry>", "<title>%s</title>" % html.escape(title), '<link href="%s"/>' % link,
                "<id>%s</id>" % link, "<updated>%s</updated>" % t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "<summary>%s</summary>" % html.escape(summary), "</entry>"]
    return "\n".join(out + ["</feed>"]) + "\n"

def jsonfeed(name, host, its):
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": name, "home_page_url": "https://%s/" % host,
        "items": [{"id": link, "url": link, "title": title, "summary": summary,
                   "date_published": t.strftime("%Y-%m-%dT%H:%M:%SZ")} for t, title, summary, link in its],
    }, indent=1, ensure_ascii=False) + "\n"

EXT = {"rss": "rss.xml", "atom": "atom.xml", "json": "json"}
os.makedirs("feeds", exist_ok=True)
for k, (name, host, fmt) in OUTLETS.items():
    its = sorted(items[k])
    if not its:
        continue
    body = {"rss": rss, "atom": atom, "json": jsonfeed}[fmt](name, host, its)
    with open("feeds/%s.%s" % (slug(name), EXT[fmt]), "w", encoding="utf-8") as f:
        f.write(body)
with open("labels.tsv", "w", encoding="utf-8") as f:
    f.write("# link\tin topic (1/0)\theadline\n")
    for link, in_topic, title in labels:
        f.write("%s\t%s\t%s\n" % (link, in_topic, title))
