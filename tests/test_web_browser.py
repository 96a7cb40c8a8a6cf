"""The web app driven in a real headless Chromium (Debian's chromium + chromedriver, through
Selenium): the inspector's whole flow and the bureau's drill-down, with screenshots.

Without chromium the tests are skipped with a loud reason; under CI=true they fail instead.
Screenshots go to $YINHUAN_SCREENSHOTS (default: the test's temporary folder)."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from store_fixtures import db_kind, pg_server, store_db  # noqa: F401
from web_helpers import HUANCUI_ENT, make_app
from yinhuan.web.cli import DEMO_PASSWORD

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _need_browser():
    missing = [p for p in (CHROMIUM, DRIVER) if not Path(p).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("python selenium")
    if missing:
        msg = f"浏览器测试需要 {', '.join(missing)}（Debian: apt-get install chromium chromium-driver）"
        if os.environ.get("CI") == "true":
            pytest.fail("CI: " + msg)
        pytest.skip("SKIPPED LOUDLY: " + msg)


@pytest.fixture()
def server(tmp_path, store_db):
    """The app served over a fresh store: each browser test runs on SQLite and on PostgreSQL."""
    _need_browser()
    from werkzeug.serving import make_server
    app = make_app(tmp_path, store_db)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}", app
    srv.shutdown()
    t.join(10)


@pytest.fixture()
def browser(tmp_path):
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1000", "--disable-background-networking", "--no-first-run",
              f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.implicitly_wait(0)
    yield drv
    drv.quit()


@pytest.fixture()
def shots(tmp_path):
    d = Path(os.environ.get("YINHUAN_SCREENSHOTS") or tmp_path / "screenshots")
    d.mkdir(parents=True, exist_ok=True)
    return d


def _wait(drv, cond, timeout=60):
    """Wait for a condition; the findings panel is replaced on every save, so an element read just
    as it is swapped out is read again."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(drv, timeout, ignored_exceptions=(StaleElementReferenceException,
                                                           NoSuchElementException)).until(cond)


def _follow(drv, element):
    """Click something that loads a new page and wait until the old page is gone, so what is read
    next is read from the new page (reading at once raced the navigation)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    old = drv.find_element(By.TAG_NAME, "html")
    element.click()
    _wait(drv, EC.staleness_of(old))


def _login(drv, base, user):
    from selenium.webdriver.common.by import By
    drv.get(base + "/login")
    drv.find_element(By.NAME, "username").send_keys(user)
    drv.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    drv.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    _wait(drv, lambda d: "/login" not in d.current_url)


def test_inspector_flow(server, browser, shots):
    from selenium.webdriver.common.by import By
    base, app = server
    drv = browser
    _login(drv, base, "huancui")
    # the district's enterprises, searched by name
    drv.find_element(By.NAME, "q").send_keys("机械")
    _follow(drv, drv.find_element(By.CSS_SELECTOR, "form.search button"))
    rows = drv.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
    assert rows and all("环翠区" in r.text for r in rows)
    _follow(drv, drv.find_element(By.LINK_TEXT, "威海环翠示例机械有限公司"))
    drv.save_screenshot(str(shots / "1-enterprise.png"))
    drv.find_element(By.CSS_SELECTOR, "form.start button").click()
    _wait(drv, lambda d: "/inspections/" in d.current_url)
    iid = drv.current_url.rsplit("/", 1)[-1]

    # the inspection date in the ledger's own form; the findings follow as one types
    date = drv.find_element(By.NAME, "i.date")
    date.clear()
    date.send_keys("2023年10月12日")
    _wait(drv, lambda d: "已保存" in d.find_element(By.ID, "saved").text)
    _wait(drv, lambda d: "评估日期 2023-10-12" in d.find_element(By.ID, "findings").text)
    radio = drv.find_element(By.CSS_SELECTOR, 'input[name="a.GM-6-NO-PAPER-ONLY.answer"][value="是"]')
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", radio)
    radio.click()
    _wait(drv, lambda d: d.find_elements(
        By.CSS_SELECTOR, '#findings .finding.fail[data-rule="GM-6-NO-PAPER-ONLY"]'))
    _wait(drv, lambda d: d.find_element(By.CSS_SELECTOR, "#findings details.clause summary .badge").text == "不符合")

    # a new row in a records table, with a date written 2023.06.06
    table = drv.find_element(By.CSS_SELECTOR, 'details[data-table="meetings"]')
    drv.execute_script("arguments[0].open = true; arguments[0].scrollIntoView()", table)
    table.find_element(By.CSS_SELECTOR, ".add-row").click()
    row = table.find_elements(By.CSS_SELECTOR, "tbody tr")[-1]
    kind = row.find_element(By.CSS_SELECTOR, '[name$=".kind"]')
    if kind.tag_name == "select":      # the closed vocabulary: a drop-down
        from selenium.webdriver.support.ui import Select
        Select(kind).select_by_visible_text("警示教育")
    else:
        kind.send_keys("警示教育")
    row.find_element(By.CSS_SELECTOR, 'input[name$=".date"]').send_keys("2023.06.06")
    kind_name = kind.get_attribute("name")
    _wait(drv, lambda d: app.extensions["yinhuan"]["inspections"].get(iid).form.get(kind_name) == "警示教育")
    _wait(drv, lambda d: "已保存" in d.find_element(By.ID, "saved").text)
    drv.save_screenshot(str(shots / "2-inspection-live-findings.png"))

    # a bad date is pointed at, not lost
    bad = row.find_element(By.CSS_SELECTOR, 'input[name$=".date"]')
    bad.clear()
    bad.send_keys("2023-13-01")
    _wait(drv, lambda d: "不存在的日期" in d.find_element(By.ID, "findings").text)
    _wait(drv, lambda d: "invalid" in bad.get_attribute("class"))
    drv.save_screenshot(str(shots / "3-bad-date.png"))
    bad.clear()
    bad.send_keys("2023.06.06")
    _wait(drv, lambda d: "不存在的日期" not in d.find_element(By.ID, "findings").text)

    # losing the connection loses no answer: kept in the browser, saved when back
    drv.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    note = drv.find_element(By.NAME, "a.GM-6-NO-PAPER-ONLY.note")
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", note)
    note.send_keys("交接班记录与现场不符")
    _wait(drv, lambda d: "未能连接服务器" in d.find_element(By.ID, "saved").text)
    assert app.extensions["yinhuan"]["inspections"].get(iid).form.get("a.GM-6-NO-PAPER-ONLY.note", "") == ""
    drv.delete_network_conditions()
    drv.get(drv.current_url)        # the tab reopened: the kept change is restored and saved
    _wait(drv, lambda d: app.extensions["yinhuan"]["inspections"].get(iid).form.get(
        "a.GM-6-NO-PAPER-ONLY.note") == "交接班记录与现场不符")
    _wait(drv, lambda d: "已保存" in d.find_element(By.ID, "saved").text)

    # finish: stored, and the two documents are offered
    drv.find_element(By.NAME, "deadline").clear()
    drv.find_element(By.NAME, "deadline").send_keys("2023年11月30日")
    drv.find_element(By.ID, "finish").click()
    drv.switch_to.alert.accept()
    _wait(drv, lambda d: "已完成" in d.find_element(By.CSS_SELECTOR, ".status-line").text)
    assert app.extensions["yinhuan"]["inspections"].get(iid).status == "finished"
    drv.save_screenshot(str(shots / "4-finished.png"))
    for link in ("检查记录（PDF）", "整改通知书（PDF）"):
        href = drv.find_element(By.LINK_TEXT, link).get_attribute("href")
        assert href.endswith(".pdf")


def d_forms(drv):
    from selenium.webdriver.common.by import By
    return drv.find_elements(By.CSS_SELECTOR, "main form[method=post]")


def test_bureau_drill_down(server, browser, shots):
    from selenium.webdriver.common.by import By
    base, _ = server
    drv = browser
    _login(drv, base, "viewer")
    assert "/bureau/tables" in drv.current_url
    drv.find_element(By.NAME, "cumulative").click()
    drv.find_element(By.CSS_SELECTOR, "form.search button").click()
    _wait(drv, lambda d: "cumulative=1" in d.current_url)
    drv.save_screenshot(str(shots / "5-tables.png"))
    cell = next(a for a in drv.find_elements(By.CSS_SELECTOR, "table.dispatch td a") if a.text not in ("0", "否"))
    value = cell.text
    cell.click()
    _wait(drv, lambda d: "这个数从哪里来" in d.page_source)
    assert f"= {value}" in drv.find_element(By.CSS_SELECTOR, "pre.explain").text
    assert drv.find_elements(By.CSS_SELECTOR, "table.list tbody tr td ul li")
    drv.save_screenshot(str(shots / "6-explain.png"))
    # drill further: a count of inspected enterprises → the stored inspection → its rule
    drv.back()
    _wait(drv, lambda d: d.find_elements(By.CSS_SELECTOR, "table.dispatch"))
    cell = next(a for a in drv.find_elements(By.CSS_SELECTOR, 'table.dispatch td a[data-metric="checked_enterprises"]')
                if a.text not in ("0", ""))
    _follow(drv, cell)
    assert drv.find_elements(By.CSS_SELECTOR, "#items a.ent")
    _follow(drv, drv.find_element(By.CSS_SELECTOR, "#items a.insp"))
    assert "判定结果" in drv.page_source and drv.find_elements(By.CSS_SELECTOR, "#findings-table tbody tr")
    drv.save_screenshot(str(shots / "6b-record.png"))
    _follow(drv, drv.find_element(By.CSS_SELECTOR, "#findings-table tbody td a"))
    assert "/rules/" in drv.current_url and "依据" in drv.page_source
    drv.save_screenshot(str(shots / "6c-rule.png"))
    drv.get(f"{base}/bureau/tables?cumulative=1")
    drv.find_element(By.LINK_TEXT, "图表").click()
    _wait(drv, lambda d: len(d.find_elements(By.CSS_SELECTOR, "svg.chart")) == 4)
    drv.save_screenshot(str(shots / "7-charts.png"))
    _follow(drv, drv.find_element(By.LINK_TEXT, "隐患"))
    drv.find_element(By.NAME, "listed").click()
    drv.find_element(By.CSS_SELECTOR, "form.search button").click()
    _wait(drv, lambda d: "listed=1" in d.current_url)
    drv.save_screenshot(str(shots / "8-hazards.png"))
    drv.find_element(By.CSS_SELECTOR, "table.list tbody td a").click()
    _wait(drv, lambda d: "历史" in d.page_source)
    assert not d_forms(drv)         # a read-only account is offered no lifecycle form
    drv.save_screenshot(str(shots / "9-hazard.png"))
    # a read-only account cannot reach an inspector's form
    drv.get(f"{base}/enterprises/{HUANCUI_ENT}")
    assert not drv.find_elements(By.CSS_SELECTOR, "form.start")
