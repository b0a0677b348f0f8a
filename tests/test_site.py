"""The static site in a real headless browser (Debian's chromium driven by Playwright).

The browser is required: a missing /usr/bin/chromium fails the test (CI installs it), it never
skips. Pages are opened from file:// with no server, as a user opening the folder would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from thaibench.leaderboards.fabricate import demo_runs
from thaibench.leaderboards.rank import RankOptions, build_leaderboard
from thaibench.leaderboards.runs import load_runs
from thaibench.leaderboards.site.build import build_site, script_json

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
EVIL = "<script>window.__pwned=1</script><b>bold</b> & co"


def test_embedded_json_cannot_close_its_script_element() -> None:
    text = script_json({"name": "</script><script>alert(1)</script>", "t": "ครับ\u2028"})
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert "ครับ" in text


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    demo_runs(root / "runs", n_items=40)
    runs = load_runs([root / "runs"])
    lb = build_leaderboard(runs, "th_en_reasoning", RankOptions(n_boot=200))
    return build_site(lb, runs, root / "site")


@pytest.fixture(scope="module")
def browser() -> Any:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def open_page(browser: Any, url: str) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#board tbody tr, #cells tbody tr")
    return page, problems


def column_values(page: Any, key: str) -> list[float | None]:
    idx = page.eval_on_selector_all("#board thead th", "ths => ths.map(t => t.dataset.key)").index(key)
    texts = page.eval_on_selector_all(f"#board tbody tr td:nth-child({idx + 1})",
                                      "tds => tds.map(td => td.firstChild ? td.firstChild.textContent : '')")
    return [None if t == "missing" else float(t) for t in texts]


def test_leaderboard_page(site: Path, browser: Any, tmp_path: Path) -> None:
    page, problems = open_page(browser, site.as_uri())
    assert page.locator("#board tbody tr").count() == 6
    assert page.locator("#board tbody tr").first.locator("td").first.inner_text().startswith("1")

    # sorting: a numeric column sorts descending on the first click, ascending on the second
    page.click('#board th[data-key="col:mgsm_th"] button')
    vals = column_values(page, "col:mgsm_th")
    assert vals == sorted(vals, reverse=True) and len(set(vals)) > 1
    assert page.get_attribute('#board th[data-key="col:mgsm_th"]', "aria-sort") == "descending"
    page.click('#board th[data-key="col:mgsm_th"] button')
    assert column_values(page, "col:mgsm_th") == sorted(vals)
    page.click('#board th[data-key="candidate"] button')
    names = page.eval_on_selector_all("#board tbody tr td:nth-child(2) a", "as => as.map(a => a.textContent)")
    assert names == sorted(names, key=str.lower)

    # filtering
    page.fill("#filter", "linear")
    assert page.locator("#board tbody tr").count() == 3
    page.fill("#filter", "")
    assert page.locator("#board tbody tr").count() == 6

    # the plots are drawn: every candidate on the trade-off plot, the front highlighted, one sweep
    assert page.locator("#plot-tradeoff svg circle").count() == 6
    assert page.locator("#plot-tradeoff svg .front-line").count() == 1
    assert page.locator("#plot-tradeoff svg .on-front").count() >= 2
    assert page.locator("#plot-sweeps svg .series").count() == 1
    assert page.locator("#plot-sweeps svg .series circle").count() == 3
    assert page.locator("#plot-sweeps svg .ref-line").count() == 2     # the two parents

    # a model name with markup is text, not markup, everywhere
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#board a", has_text=EVIL).count() == 1
    assert page.locator("#board b, #plot-tradeoff b").count() == 0
    shot = tmp_path / "leaderboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    print(f"\nscreenshot: {shot}")
    assert problems == []


def test_candidate_page(site: Path, browser: Any, tmp_path: Path) -> None:
    page, problems = open_page(browser, site.as_uri())
    page.click("#board a >> text=linear-0.5")
    page.wait_for_selector("#cells tbody tr")
    assert page.url.endswith("/candidates/merge-0_5.html")
    # parents link to their own pages
    links = page.eval_on_selector_all("#identity a", "as => as.map(a => [a.textContent, a.getAttribute('href')])")
    assert links == [["thai-parent", "p-thai.html"], ["reasoning-parent", "p-reason.html"]]
    assert page.locator("#tasks table").count() == 2                 # mgsm and math500
    assert page.locator("#examples .example").count() >= 4
    marked = page.eval_on_selector_all("#examples mark", "ms => ms.map(m => m.textContent)")
    assert "because the answer is" in marked
    page.screenshot(path=str(tmp_path / "candidate.png"), full_page=True)
    evil, more = open_page(browser, (site.parent / "candidates" / "markup.html").as_uri())
    assert evil.locator("#title").inner_text() == EVIL
    assert evil.title() == EVIL
    assert evil.evaluate("window.__pwned") is None
    assert problems == [] and more == []
