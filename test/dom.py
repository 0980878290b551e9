"""The DOM Chromium dumped, as the page tests read it (Python standard library).

    sys.path.insert(0, ROOT + "/test"); from dom import read
    d = read(path)   # d.ids, d.tags (name -> count), d.text, d.body_attrs, d.title

The title is the document's, not an SVG element's <title>.
"""
import html.parser


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.tags, self.chunks, self.body_attrs, self.title = set(), {}, [], {}, ""
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "body":
            self.body_attrs = a
        self.in_title = tag == "title" and "svg" not in self.tags

    def handle_endtag(self, tag):
        self.in_title = False

    def handle_data(self, data):
        self.chunks.append(data)
        if self.in_title:
            self.title += data

    @property
    def text(self):
        return "".join(self.chunks)


def read(path):
    d = Dom()
    with open(path, encoding="utf-8") as f:
        d.feed(f.read())
    return d
