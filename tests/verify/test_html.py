"""`verify all --html FILE` / `verify ID --html FILE`: one self-contained page whose contents match --json."""

import json
from html.parser import HTMLParser

import pytest

from verify import cli
from verify.report import fmt_num

CI = ["--profile", "ci", "--no-progress"]


class Page(HTMLParser):
    """Collects summary rows (data-id → cell texts), check rows, obligation rows, external references, images."""

    def __init__(self):
        super().__init__()
        self.rows, self.checks, self.obligations = {}, {}, {}
        self.external, self.images, self.reproduce, self.text = [], [], [], []
        self._row = self._kind = None
        self._cells: list[str] = []
        self._code = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if key in a and not (a[key].startswith("#") or a[key].startswith("data:")):
                self.external.append(a[key])
        if tag in ("script", "link", "iframe"):
            self.external.append(tag)
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "tr":
            for kind in ("data-id", "data-check", "data-obligation"):
                if kind in a:
                    self._row, self._kind, self._cells = a[kind], kind, []
        if tag == "td" and self._row is not None:
            self._cells.append("")
        if tag == "code" and "reproduce" in (a.get("class") or ""):
            self._code = True
            self.reproduce.append("")

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            target = {"data-id": self.rows, "data-check": self.checks, "data-obligation": self.obligations}[self._kind]
            target[self._row] = [c.strip() for c in self._cells]
            self._row = None
        if tag == "code":
            self._code = False

    def handle_data(self, data):
        self.text.append(data)
        if self._row is not None and self._cells:
            self._cells[-1] += data
        if self._code:
            self.reproduce[-1] += data


def run(capsys, tmp_path, *argv):
    path = tmp_path / "sub" / "r.html"
    code = cli.main([*argv, "--json", "--html", str(path), *CI])
    lines = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return code, lines, page


def test_all_html_matches_json_and_needs_no_network(capsys, tmp_path, fake_registry):
    code, lines, page = run(capsys, tmp_path, "all")
    assert code == 3 and not page.external  # the fake registry holds UNDECIDED results: inconclusive
    text = " ".join(page.text)
    for o in lines:
        cells = page.rows[o["id"]]
        assert cells[1] == o["id"] and cells[2] == o["provenance"] and cells[-1] == o["verdict"]
        assert cells[3] == o["symbolic"] and cells[4] == o["numeric"]
        assert cells[5] == (fmt_num(o["worst_ratio"]) if o["worst_ratio"] is not None else "—")
        assert cells[6].replace(",", "") == str(o["instances"])
        assert o["statement"] in text and o["reproduce"] in page.reproduce
        for c in o["checks"]:
            row = page.checks[c["id"]]
            assert row[1] == c["verdict"] and row[2].replace(",", "") == str(c["instances"])
            assert c["reproduce"] in page.reproduce
        for ob in o["obligations"]:
            assert page.obligations[ob["name"]][1] == ob["status"]
    assert "needed for the bound" in text  # the hypotheses and why each is needed (fake registry's record)
    assert "step one" in text and "step two" in text  # and the derivation


def test_figures_are_embedded_as_png_data(capsys, tmp_path, fake_registry):
    from verify.html_report import FIGURES

    if not any(FIGURES.glob("*.png")):
        pytest.skip("no docs/figures in this installation")
    _, _, page = run(capsys, tmp_path, "all")
    assert page.images and all(src.startswith("data:image/png;base64,") for src in page.images)


def test_one_result_html_on_a_failing_run(capsys, tmp_path, fake_registry):
    code, lines, page = run(capsys, tmp_path, "cost-bounds", "--bound-scale", "0.5")
    (o,) = lines
    assert code == 1 and page.rows["cost-bounds"][-1] == "FAIL" == o["verdict"]
    assert any("counterexample" in t or ":=" in t for t in page.text)


@pytest.mark.parametrize("bad", ["dir", "under-file"])
def test_unwritable_html_is_refused_before_the_run(capsys, tmp_path, fake_registry, bad):
    (tmp_path / "f").write_text("x")
    target = {"dir": tmp_path, "under-file": tmp_path / "f" / "r.html"}[bad]
    assert cli.main(["all", "--html", str(target), *CI]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "--html" in err and len(err.strip().splitlines()) == 1
