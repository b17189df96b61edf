"""The device manager's web UI driven in headless Chromium (Selenium) against a real
gspnpd on loopback and simulated phones (unicast, `gspnpd simulate --stay`): the admin
logs in, sees a new phone appear live, assigns it an account and a BLF key, watches it
reach "fetched", resyncs it and finds every step in the audit trail.

Needs Debian's chromium and chromium-driver and Selenium from pip. The gspnpd binary is
$GSPNPD, else target/debug/gspnpd of this checkout. With $GSPNPD_UI_SCREENSHOT set, the
phones page is also saved there (docs/device-manager.png is made this way).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[3]
GSPNPD = os.environ.get("GSPNPD", str(ROOT / "target" / "debug" / "gspnpd"))
PASSWORD = "ui-admin-pw-2718"
PHONE = "000b82600001"
OTHERS = 2  # phones that stay new (unassigned) beside PHONE
WAIT = 20  # seconds any one step may take
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,860",
]


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def password_hash():
    done = subprocess.run([GSPNPD, "hash-password"], input=PASSWORD + "\n", capture_output=True, text=True,
                          timeout=30, check=True)
    return done.stdout.strip()


class Daemon:
    """`gspnpd run`, its standard error collected."""

    def __init__(self, config):
        self.lines = []
        self.process = subprocess.Popen([GSPNPD, "run", "--config", str(config)], stderr=subprocess.PIPE,
                                        stdout=subprocess.DEVNULL, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 15
        while not any(" info ready: " in line for line in self.lines):
            assert self.process.poll() is None and time.monotonic() < deadline, "\n".join(self.lines)
            time.sleep(0.05)

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(timeout=5)


@pytest.fixture()
def lab():
    scratch = Path(tempfile.mkdtemp(prefix="gspnpd-ui-"))
    sip, http, admin = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
    config = scratch / "gspnpd.toml"
    config.write_text(
        f"[sip]\nport = {sip}\nunicast_port = {sip}\nmulticast = false\ncooldown = 0\n"
        f"[http]\nlisten = \"127.0.0.1:{http}\"\npublic_url = \"http://127.0.0.1:{http}/\"\n"
        f"[defaults]\nsip_server = \"127.0.0.1\"\n[store]\npath = \"{scratch / 'gspnpd.sqlite'}\"\n"
        f"[admin]\nlisten = \"127.0.0.1:{admin}\"\npassword_hash = \"{password_hash()}\"\n"
    )
    daemon = Daemon(config)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={scratch / 'chromium'}"]:
        options.add_argument(flag)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    browser = webdriver.Chrome(service=service, options=options)
    browser.set_page_load_timeout(WAIT)
    try:
        yield {"browser": browser, "sip": sip, "admin": admin, "daemon": daemon, "scratch": scratch}
    finally:
        browser.quit()
        daemon.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def row_of(browser, mac):
    rows = browser.find_elements(By.CSS_SELECTOR, f"#phones tbody tr[data-mac='{mac}']")
    return rows[0] if rows else None


def row_facts(browser, mac):
    """The row's classes and state cell, read at once (the table is redrawn live)."""
    return browser.execute_script(
        "const row = document.querySelector(`#phones tbody tr[data-mac='${arguments[0]}']`);"
        "return row ? [Array.from(row.classList), row.querySelector('td.state').textContent] : [null, null];",
        mac,
    )


def state_of(browser, mac):
    return row_facts(browser, mac)[1]


def test_an_admin_sees_a_new_phone_assigns_it_watches_it_fetch_its_file_and_resyncs_it(lab):
    # The table is redrawn on every event: a step that meets a replaced row tries again.
    browser = lab["browser"]
    wait = WebDriverWait(browser, WAIT, ignored_exceptions=(StaleElementReferenceException,))
    browser.get(f"http://127.0.0.1:{lab['admin']}/")
    wait.until(ready.visibility_of_element_located((By.ID, "password"))).send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
    wait.until(ready.visibility_of_element_located((By.ID, "phones-section")))
    assert browser.find_element(By.ID, "who").text == "admin"

    simulator = subprocess.Popen(
        [GSPNPD, "simulate", "--phones", str(1 + OTHERS), "--target", f"127.0.0.1:{lab['sip']}",
         "--mac-base", PHONE, "--stay", "12", "--attempts", "20", "--notify-wait", "3", "--timeout", "45",
         "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait.until(lambda browser: row_of(browser, PHONE) is not None)
        classes, state = row_facts(browser, PHONE)
        assert "new" in classes, "a phone nobody assigned is highlighted as new"
        assert state == "discovered"

        wait.until(lambda browser: row_of(browser, PHONE).click() or True)
        wait.until(ready.text_to_be_present_in_element((By.ID, "detail-title"), PHONE))
        browser.find_element(By.ID, "account-user").send_keys("1001")
        browser.find_element(By.ID, "account-password").send_keys("sip-pw-ui-1001")
        browser.find_element(By.ID, "account-name").send_keys("Alice")
        browser.find_element(By.ID, "keys").send_keys("blf 1002 Bob")
        browser.find_element(By.CSS_SELECTOR, "#assign button[type=submit]").click()
        wait.until(lambda browser: state_of(browser, PHONE) == "fetched")
        assert browser.find_element(By.ID, "assign-error").text == ""
        assert "new" not in row_facts(browser, PHONE)[0]
        wait.until(lambda browser: len(browser.find_elements(By.CSS_SELECTOR, "#phones tbody tr")) == 1 + OTHERS)

        browser.find_element(By.ID, "resync").click()
        wait.until(ready.text_to_be_present_in_element((By.ID, "detail"), "accepted (200)"))
        history = browser.find_element(By.ID, "history").text
        assert "check-sync to 127.0.0.1:" in history and "fetched" in history, history

        audit = browser.find_element(By.ID, "audit").text
        for action in ("login", "assign", "check-sync"):
            assert action in audit, audit
        assert "sip-pw-ui-1001" not in browser.page_source, "a SIP password is never shown"
        screenshot = lab["scratch"] / "phones.png"
        browser.execute_script("window.scrollTo(0, 0); document.activeElement.blur()")
        webdriver.ActionChains(browser).move_to_element(browser.find_element(By.TAG_NAME, "h1")).perform()
        assert browser.save_screenshot(str(screenshot))
        if os.environ.get("GSPNPD_UI_SCREENSHOT"):
            shutil.copyfile(screenshot, os.environ["GSPNPD_UI_SCREENSHOT"])

        output, errors = simulator.communicate(timeout=60)
    finally:
        if simulator.poll() is None:
            simulator.kill()
            simulator.wait()
    summary = json.loads(output)
    assert summary["provisioned"] == 1, (summary, errors)
    assert summary["resyncs"]["done"] == 1 and summary["resyncs"]["refetched"] == 1, summary
    assert not any(PASSWORD in line or "sip-pw-ui-1001" in line for line in lab["daemon"].lines)
