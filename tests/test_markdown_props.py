"""Property tests: front matter splitting and the body parse keep every line number right, whatever the text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dsatlas.markdown import FrontMatterError, parse_body, split_front_matter

line_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x0b\x0c\x1c\x1d"
                                           "\x1e\x85\u2028\u2029"), max_size=40)
plain_line = line_text.filter(lambda s: s.strip() not in ("---", "...") and not s.lstrip(" ").startswith(("`", "~")))
# Around a fence: no line that opens a raw-HTML block (`<pre`, `<!--`…), which CommonMark, and so the site,
# reads to its end, fence or not; and no NUL, which read_text refuses before any parse.
prose_line = plain_line.filter(lambda s: not s.lstrip(" ").startswith("<") and "\x00" not in s)
code_line = plain_line.filter(lambda s: "\x00" not in s)


@given(st.lists(plain_line, max_size=8), st.lists(plain_line, max_size=8))
def test_front_matter_split_round_trips(fm_lines, body_lines):
    text = "\n".join(["---", *fm_lines, "---", *body_lines])
    split = split_front_matter(text)
    assert split.front_matter == "\n".join(fm_lines)
    assert split.body == "\n".join(body_lines)
    assert split.body_line == len(fm_lines) + 3
    if body_lines:
        assert text.split("\n")[split.body_line - 1 :] == split.body.split("\n")


@given(st.lists(plain_line, max_size=8))
def test_unclosed_front_matter_is_an_error_not_a_crash(fm_lines):
    try:
        split_front_matter("\n".join(["---", *fm_lines]))
    except FrontMatterError as err:
        assert err.line == 1
    else:
        raise AssertionError("an unclosed front matter block was accepted")


@given(st.lists(prose_line, max_size=6), st.lists(code_line, max_size=6), st.lists(prose_line, max_size=6),
       st.integers(min_value=1, max_value=40), st.sampled_from(["```", "````", "~~~"]))
def test_fence_lines_point_into_the_file(before, inside, after, body_line, marker):
    body = "\n".join([*before, f"{marker}mermaid", *inside, marker, *after])
    fences = parse_body(body, body_line).fences
    assert len(fences) == 1
    fence = fences[0]
    lines = body.split("\n")
    assert lines[fence.start_line - body_line] == f"{marker}mermaid"
    assert lines[fence.end_line - body_line] == marker
    assert fence.text == "\n".join(inside)
    assert fence.info == "mermaid"


@given(st.lists(code_line, max_size=6))
def test_unclosed_fence_is_reported_as_unclosed(inside):
    fences = parse_body("\n".join(["```mermaid", *inside]), 5).fences
    assert fences[0].end_line is None and fences[0].start_line == 5
