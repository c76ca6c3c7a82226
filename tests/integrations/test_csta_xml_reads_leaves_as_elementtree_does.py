"""The CSTA XML reader (expat straight into the fields, no tree) gives exactly the leaves an
ElementTree of the same document has, in document order: local names, stripped text with its
entities and CDATA read, repeats, and the first deviceID's mediaClass."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.csta.messages import Message, parse

NAMES = st.sampled_from(["callID", "deviceID", "deviceIdentifier", "connection", "cause", "p:a"])
TEXT = st.text(alphabet=st.sampled_from("0123456789 :é&<>\"'\n\tx"), max_size=12)
Tree = tuple[str, str, str, list]  # name, attributes, text, children


def element(name: str, attributes: str, text: str, children: list[Tree]) -> str:
    inner = "".join(render(child) for child in children) if children else text
    return f"<{name}{attributes}>{inner}</{name}>"


def render(tree: Tree) -> str:
    return element(*tree)


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        TEXT.map(escape),
        TEXT.filter(lambda t: "]]>" not in t).map(lambda t: f"<![CDATA[{t}]]>"),
        st.tuples(TEXT, TEXT).map(lambda p: f"{escape(p[0])}<!--c-->{escape(p[1])}"),
        st.just(""),
    )


ATTRIBUTES = st.sampled_from(["", ' mediaClass="chat"', ' mediaClass="voice"', ' x="1"'])
NO_CHILDREN: list[Tree] = []
LEAVES: st.SearchStrategy[Tree] = st.tuples(NAMES, ATTRIBUTES, texts(), st.just(NO_CHILDREN))
TREES: st.SearchStrategy[Tree] = st.recursive(
    LEAVES,
    lambda kids: st.tuples(NAMES, st.just(""), st.just(""), st.lists(kids, min_size=1, max_size=4)),
    max_leaves=12,
)


def elementtree_leaves(body: bytes) -> Message:
    """The reference: the same flattening over an ElementTree, leaves in document order."""
    parser = ET.XMLParser(encoding="utf-8")
    parser.feed(body)
    root = parser.close()
    above = {child: parent for parent in root.iter() for child in parent}
    fields: dict[str, str] = {}
    repeats: dict[str, list[str]] = {}
    media = ""
    for child in root.iter():
        if child is root or len(child):
            continue
        leaf = child.tag.rpartition("}")[2]
        key = above[child].tag.rpartition("}")[2] + "/" + leaf
        text = (child.text or "").strip()
        if key in fields:
            repeats.setdefault(key, []).append(text)
            continue
        fields[key] = text
        fields.setdefault(leaf, text)
        if child.attrib and leaf == "deviceID" and not media:
            media = child.attrib.get("mediaClass", "")
    return Message(root.tag.rpartition("}")[2], fields, repeats, media)


@settings(max_examples=300, deadline=None)
@given(st.lists(TREES, max_size=5), st.booleans())
def test_the_expat_reader_gives_the_leaves_an_elementtree_gives(
    trees: list[Tree], default_namespace: bool
) -> None:
    xmlns = ' xmlns="urn:csta"' if default_namespace else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<DeliveredEvent{xmlns} xmlns:p="urn:p">{"".join(render(t) for t in trees)}'
        "</DeliveredEvent>"
    ).encode()
    read, expected = parse(body), elementtree_leaves(body)
    assert read == expected
    assert list(read.fields.items()) == list(expected.fields.items())
